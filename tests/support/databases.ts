import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, inject } from 'vitest';
import { openDatabase, type DatabaseKind, type DatabaseLocation, type Db } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

/** Every store test runs against both databases the bot supports. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

let created = 0;
const opened: { db: Db; drop?: string }[] = [];

const folders: string[] = [];

afterEach(async () => {
	for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
	for (const { db, drop } of opened.splice(0)) {
		await db.destroy();
		if (drop) await admin(async (client) => client.query(`DROP DATABASE IF EXISTS ${drop} WITH (FORCE)`));
	}
});

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: `${inject('postgresUrl')}/postgres` });
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

/**
 * A new, empty PostgreSQL database on the suite's server (tests/support/postgres-server.ts), named from this
 * worker's pid and a counter. Returns its URL; the caller opens it (a bot process, or `openTestDatabase`).
 */
export async function createPostgresDatabase(): Promise<{ url: string; name: string }> {
	const name = `hfc_${process.pid}_${++created}`;
	await admin(async (client) => client.query(`CREATE DATABASE ${name}`));
	return { url: `${inject('postgresUrl')}/${name}`, name };
}

/** A fresh database of `kind` at the latest schema (or at `migrations`), closed and dropped after the test. */
export async function openTestDatabase(kind: DatabaseKind, migrations = MIGRATIONS): Promise<Db> {
	if (kind === 'sqlite') {
		const db = await openDatabase({ path: ':memory:' }, migrations);
		opened.push({ db });
		return db;
	}
	const { url, name } = await createPostgresDatabase();
	const db = await openDatabase({ url }, migrations);
	opened.push({ db, drop: name });
	return db;
}

/**
 * Opens a database several test "processes" share (a SQLite file, or a URL from `createPostgresDatabase`);
 * each opener gets its own connection, as separate processes would. Closed after the test.
 */
export async function openSharedDatabase(location: DatabaseLocation): Promise<Db> {
	const db = await openDatabase(location);
	opened.push({ db });
	return db;
}

/**
 * Where a new database several "processes" of a test open would be: a SQLite file in a folder of its own, or a
 * new database on the suite's PostgreSQL server. Removed after the test.
 */
export async function newDatabaseLocation(kind: DatabaseKind): Promise<DatabaseLocation> {
	if (kind === 'postgres') return { url: (await createPostgresDatabase()).url };
	const folder = mkdtempSync(join(tmpdir(), 'hfc-db-'));
	folders.push(folder);
	return { path: join(folder, 'bot.sqlite') };
}
