import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import type { Db } from '../src/store/database.js';
import { PRIMARY_KEYS } from '../src/store/schema.js';
import { runNode } from './e2e/harness.js';
import { createPostgresDatabase, openSharedDatabase } from './support/databases.js';

const GUILD = '200000000000000001';
const CHANNEL = '300000000000000001';

function sqliteFile(): string {
	return join(mkdtempSync(join(tmpdir(), 'hfc-copy-')), 'her-film-club.sqlite');
}

/** A server's whole state as the bot leaves it: a language, rotations, a schedule with its posts, a party. */
async function seed(db: Db): Promise<void> {
	await db
		.insertInto('guild_settings')
		.values({ guild_id: GUILD, language: 'both', updated_at: 1_700_000_000_000 })
		.execute();
	await db
		.insertInto('rotation_seen')
		.values(
			['quote-a', 'quote-b', 'quote-c'].map((item_id, i) => ({
				scope: CHANNEL,
				pool: 'quote:all',
				item_id,
				seen_at: 1_700_000_000_000 + i,
				position: i + 1,
			})),
		)
		.execute();
	await db
		.insertInto('reflection_schedules')
		.values({
			guild_id: GUILD,
			channel_id: CHANNEL,
			time: '21:00',
			time_zone: 'Asia/Seoul',
			role_id: null,
			thread: 1,
			days: 0b0111110,
			pin: 1,
			forum_tag_id: null,
			next_due_at: 1_700_086_400_000,
			paused_reason: null,
			paused_detail: null,
			paused_at: null,
			held_at: null,
			held_by: null,
			updated_by: '400000000000000001',
			updated_locale: 'ko',
			updated_at: 1_699_000_000_000,
			notified_at: null,
			created_at: 1_699_000_000_000,
		})
		.execute();
	await db
		.insertInto('reflection_posts')
		.values(
			['2023-11-13', '2023-11-14'].map((local_date) => ({
				guild_id: GUILD,
				channel_id: CHANNEL,
				local_date,
				status: 'sent' as const,
				nonce: `nonce-${local_date}`,
				reflection_id: 'reflection-alone',
				claimed_by: 'host-1',
				claimed_at: 1_700_000_000_000,
				first_claimed_at: 1_700_000_000_000,
				attempts: 1,
				message_id: '500000000000000001',
				thread_id: null,
				sent_at: 1_700_000_001_000,
				failure: null,
			})),
		)
		.execute();
	// Party 7, as if six came before it.
	await db
		.insertInto('watch_parties')
		.values({
			id: 7,
			guild_id: GUILD,
			channel_id: CHANNEL,
			thread_id: '600000000000000001',
			host_id: '400000000000000001',
			title: '금요 상영회',
			status: 'running',
			end_reason: null,
			created_at: 1_700_000_000_000,
			announce_message_id: null,
			welcome_message_id: '500000000000000002',
			control_message_id: '500000000000000003',
			countdown_message_id: '500000000000000004',
			event_id: null,
			start_at: 1_700_000_060_000,
			film_offset_ms: 0,
			paused_at: null,
			paused_total_ms: 0,
			countdown_shown: 0,
			ended_at: null,
			skipped: '["beat-blind-date"]',
			next_due_at: 1_700_000_900_000,
			failures: 0,
		})
		.execute();
	await db
		.insertInto('watch_party_members')
		.values({ party_id: 7, user_id: '400000000000000002', joined_at: 1_700_000_000_500 })
		.execute();
	await db
		.insertInto('watch_party_posts')
		.values({
			party_id: 7,
			post_key: 'beat:beat-opening',
			nonce: 'n-opening',
			claimed_at: 1_700_000_100_000,
			late: 0,
			message_id: '500000000000000005',
			lost_at: null,
		})
		.execute();
}

async function everything(db: Db): Promise<Record<string, unknown[]>> {
	const tables: Record<string, unknown[]> = {};
	for (const [table, key] of Object.entries(PRIMARY_KEYS)) {
		tables[table] = await db
			.selectFrom(table as keyof typeof PRIMARY_KEYS)
			.selectAll()
			.orderBy(key.map((column) => sql.ref(column)))
			.execute();
	}
	return tables;
}

const copy = (from: string, to: string) => runNode('scripts/db-copy.ts', ['--from', from, '--to', to], {});

describe('npm run db:copy', () => {
	test('Given a SQLite file in use, when it is copied to PostgreSQL, then every setting, rotation, schedule and party is there as it was', async () => {
		const file = sqliteFile();
		const source = await openSharedDatabase({ path: file });
		await seed(source);
		const { url } = await createPostgresDatabase();

		const result = await copy(file, url);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Copied 10 rows from');
		expect(result.stdout).not.toContain(':postgres@');

		const target = await openSharedDatabase({ url });
		expect(await everything(target)).toEqual(await everything(source));
		// The next party started on PostgreSQL gets a new id, after the copied ones.
		const next = await target
			.insertInto('watch_parties')
			.values({
				guild_id: GUILD,
				channel_id: '300000000000000002',
				host_id: '400000000000000001',
				title: null,
				status: 'setup',
				created_at: 1,
				start_at: 1,
				film_offset_ms: 0,
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		expect(next.id).toBeGreaterThan(7);
	});

	test('Given a target that already holds a server, then nothing is copied and it says why', async () => {
		const file = sqliteFile();
		await seed(await openSharedDatabase({ path: file }));
		const { url } = await createPostgresDatabase();
		const target = await openSharedDatabase({ url });
		await target
			.insertInto('guild_settings')
			.values({ guild_id: '200000000000000009', language: 'en', updated_at: 1 })
			.execute();

		const result = await copy(file, url);
		expect(result.code).toBe(1);
		expect(result.stderr).toBe(
			'her-film-club db:copy: the target already has rows in guild_settings: copy into a new, empty database. Nothing was copied.\n',
		);
		expect(await target.selectFrom('rotation_seen').selectAll().execute()).toEqual([]);
	});

	test('Given PostgreSQL, when it is copied back to a new SQLite file, then nothing is lost on the way', async () => {
		const { url } = await createPostgresDatabase();
		const source = await openSharedDatabase({ url });
		await seed(source);
		const file = sqliteFile();

		const result = await copy(url, file);
		expect(result.code).toBe(0);
		expect(await everything(await openSharedDatabase({ path: file }))).toEqual(await everything(source));
	});

	test('Given a missing argument, then it prints how to use it and touches nothing', async () => {
		const result = await copy('var/her-film-club.sqlite', '');
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('usage: npm run db:copy -- --from');
	});
});
