import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, inject, test, vi } from 'vitest';
import { DatabaseOpenError, isDatabaseUnavailable, openDatabase, schemaVersion } from '../src/store/database.js';
import { MIGRATIONS, type Migration } from '../src/store/migrations.js';
import { startCuttableProxy } from './support/cuttable-proxy.js';
import { DATABASE_KINDS, createPostgresDatabase, openTestDatabase, newDatabaseLocation } from './support/databases.js';

const LATEST = MIGRATIONS.at(-1)!.version;

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
	const dir = mkdtempSync(join(tmpdir(), 'hfc-db-'));
	dirs.push(dir);
	return join(dir, 'nested', 'bot.sqlite');
}

test('Then migrations are numbered 1, 2, 3… without gaps, so each runs exactly once in order', () => {
	expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
});

describe.each(DATABASE_KINDS)('the %s store', (kind) => {
	test('Given an empty database, then it is brought to the latest schema with every table', async () => {
		const db = await openTestDatabase(kind);
		expect(await schemaVersion(db)).toBe(LATEST);
		const tables = (await db.introspection.getTables()).map((table) => table.name);
		expect(tables).toEqual(
			expect.arrayContaining([
				'guild_settings',
				'rotation_seen',
				'reflection_schedules',
				'reflection_posts',
				'watch_parties',
				'watch_party_members',
				'watch_party_posts',
			]),
		);
	});

	test('Given a database from an older release, then opening it applies only the newer migrations and keeps its data', async () => {
		const location = await newDatabaseLocation(kind);
		const old = await openDatabase(location, MIGRATIONS.slice(0, 7));
		await old.insertInto('guild_settings').values({ guild_id: '1', language: 'both', updated_at: 0 }).execute();
		// Two quotes shown in a channel, the second last: a new round must not open with it.
		await sql`INSERT INTO rotation_seen (scope, pool, item_id, seen_at) VALUES ('c', 'p', 'a', 1), ('c', 'p', 'b', 1)`.execute(
			old,
		);
		expect(await schemaVersion(old)).toBe(7);
		await old.destroy();

		const db = await openDatabase(location);
		expect(await schemaVersion(db)).toBe(LATEST);
		expect(await db.selectFrom('guild_settings').select('language').where('guild_id', '=', '1').execute()).toEqual([
			{ language: 'both' },
		]);
		const seen = await db.selectFrom('rotation_seen').select('item_id').orderBy('position', 'desc').execute();
		// SQLite keeps which came last; PostgreSQL's tables start at schema 7, before any release wrote them.
		if (kind === 'sqlite') expect(seen).toEqual([{ item_id: 'b' }, { item_id: 'a' }]);
		else expect(seen.map((row) => row.item_id).sort()).toEqual(['a', 'b']);
		await db.destroy();
	});

	test('Given a migration that fails halfway, then nothing of it is applied and the version stays where it was', async () => {
		const location = await newDatabaseLocation(kind);
		const broken: Migration = {
			version: LATEST + 1,
			name: 'broken',
			sqlite: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;',
			postgres: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;',
		};
		await expect(openDatabase(location, [...MIGRATIONS, broken])).rejects.toThrow();
		const db = await openDatabase(location);
		expect(await schemaVersion(db)).toBe(LATEST);
		expect((await db.introspection.getTables()).map((table) => table.name)).not.toContain('half');
		await db.destroy();
	});

	test('Given a database written by a newer release, then opening it stops with one line naming both schemas', async () => {
		const location = await newDatabaseLocation(kind);
		const newer: Migration = { version: LATEST + 1, name: 'from the future', sqlite: '', postgres: '' };
		await (await openDatabase(location, [...MIGRATIONS, newer])).destroy();
		const opening = openDatabase(location);
		await expect(opening).rejects.toThrow(DatabaseOpenError);
		await expect(opening).rejects.toThrow(
			`the database is at schema ${LATEST + 1}, newer than this release of the bot knows (${LATEST})`,
		);
	});
});

describe('SQLite', () => {
	test('Given no file yet, then it is created (with its folder) in WAL mode', async () => {
		const path = databaseFile();
		await (await openDatabase({ path })).destroy();
		const file = new BetterSqlite3(path);
		expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
		file.close();
	});

	test('Given a folder that cannot be created, then the error names DATABASE_PATH', async () => {
		// A path through a plain file: no folder can be made there.
		const file = databaseFile().replace('/nested/bot.sqlite', '/a-file');
		writeFileSync(file, '');
		await expect(openDatabase({ path: `${file}/bot.sqlite` })).rejects.toThrow(
			`cannot open the database at DATABASE_PATH=${file}/bot.sqlite`,
		);
	});

	test(
		'Given three processes starting at once on a new file, then each migration runs once and all of them open it',
		{ timeout: 120_000 },
		async () => {
			const path = databaseFile();
			const go = path.replace('/nested/bot.sqlite', '/go');
			const databaseModule = new URL('../src/store/database.ts', import.meta.url).pathname;
			// Each opens the file only once all three are up, so their first starts really meet.
			const script = `
			import { existsSync, writeFileSync } from 'node:fs';
			import { openDatabase, schemaVersion } from ${JSON.stringify(databaseModule)};
			writeFileSync(process.env.GO + '.' + process.env.ID, '');
			const nap = new Int32Array(new SharedArrayBuffer(4));
			const giveUpAt = Date.now() + 100000;
			while (!existsSync(process.env.GO) && Date.now() < giveUpAt) Atomics.wait(nap, 0, 0, 2);
			const db = await openDatabase({ path: process.env.DB_PATH });
			process.stdout.write(String(await schemaVersion(db)));
			await db.destroy();
		`;
			const ids = ['a', 'b', 'c'];
			const starts = Promise.all(
				ids.map((id) =>
					promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
						env: { ...process.env, DB_PATH: path, GO: go, ID: id },
					}),
				),
			);
			await vi.waitFor(() => expect(ids.every((id) => existsSync(`${go}.${id}`))).toBe(true), {
				timeout: 90_000,
				interval: 20,
			});
			writeFileSync(go, '');
			expect((await starts).map(({ stdout }) => stdout)).toEqual(ids.map(() => String(LATEST)));
		},
	);

	test('Given two handles on one file in one process, then one waits for the other to commit instead of failing as locked', async () => {
		const path = databaseFile();
		const [a, b] = [await openDatabase({ path }), await openDatabase({ path })];
		let commit!: () => void;
		let inserted!: () => void;
		const wrote = new Promise<void>((resolve) => (inserted = resolve));
		const first = a.transaction().execute(async (trx) => {
			await trx.insertInto('guild_settings').values({ guild_id: '1', language: 'ko', updated_at: 0 }).execute();
			inserted();
			await new Promise<void>((resolve) => (commit = resolve));
		});
		await wrote;
		const second = b.insertInto('guild_settings').values({ guild_id: '2', language: 'en', updated_at: 0 }).execute();
		// After every microtask: the second handle has asked for the file by then.
		setImmediate(commit);
		await Promise.all([first, second]);
		expect(await b.selectFrom('guild_settings').select('guild_id').orderBy('guild_id').execute()).toEqual([
			{ guild_id: '1' },
			{ guild_id: '2' },
		]);
		await Promise.all([a.destroy(), b.destroy()]);
	});
});

describe('PostgreSQL', () => {
	const server = () => new URL(inject('postgresUrl'));

	test('Given several hosts starting at once on an empty database, then the schema is made once and all of them open it', async () => {
		const { url } = await createPostgresDatabase();
		const hosts = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url })));
		for (const db of hosts) expect(await schemaVersion(db)).toBe(LATEST);
		await Promise.all(hosts.map((db) => db.destroy()));
	});

	test('Given a wrong password, then the error says so without showing it', async () => {
		const { name } = await createPostgresDatabase();
		const url = `postgres://postgres:not-the-password@${server().host}/${name}`;
		const error = await openDatabase({ url }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DatabaseOpenError);
		expect((error as Error).message).toContain('the password was refused');
		expect((error as Error).message).not.toContain('not-the-password');
	});

	test('Given nothing listening at the URL, then the error says the connection was refused', async () => {
		const closed = await new Promise<number>((resolve) => {
			const probe = new pg.Client({ host: '127.0.0.1', port: 1 });
			probe.connect().catch(() => resolve(1));
		});
		const url = `postgres://postgres:secret@127.0.0.1:${closed}/nowhere`;
		await expect(openDatabase({ url })).rejects.toThrow(
			'cannot open the PostgreSQL database at DATABASE_URL=postgres://postgres:***@127.0.0.1:1/nowhere: connection refused',
		);
	});

	test('Given a database that does not exist, then the error names it and how to create it', async () => {
		const url = `${inject('postgresUrl')}/no_such_database`;
		await expect(openDatabase({ url })).rejects.toThrow(/database "no_such_database" does not exist \(create it first/);
	});

	test('Given the network to the server is cut under an open database, then queries fail as "unavailable" and work again once it is back', async () => {
		const { name } = await createPostgresDatabase();
		const line = await startCuttableProxy({ host: server().hostname, port: Number(server().port) });
		const db = await openDatabase({ url: `postgres://postgres:postgres@127.0.0.1:${line.port}/${name}` });
		expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);

		line.cut();
		const error = await sql`SELECT 1`.execute(db).catch((caught: unknown) => caught);
		expect(isDatabaseUnavailable(error)).toBe(true);

		line.mend();
		expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
		await db.destroy();
		await line.close();
	});
});
