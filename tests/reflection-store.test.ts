import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ReflectionStore, type ClaimInput, type ScheduleInput } from '../src/reflection/store.js';
import { reflectionNonce } from '../src/reflection/schedule.js';
import { migrateSqlite, type Db } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import {
	DATABASE_KINDS,
	createPostgresDatabase,
	openSharedDatabase,
	openTestDatabase,
	newDatabaseLocation,
} from './support/databases.js';

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const LEASE = 60_000;

const seoulNine: ScheduleInput = {
	guildId: GUILD,
	channelId: '300000000000000001',
	time: '09:00',
	timeZone: 'Asia/Seoul',
	roleId: null,
	thread: false,
	updatedBy: '400000000000000001',
};

const at = (iso: string) => new Date(iso);
// 2024-03-10 09:00 in Seoul.
const DUE = at('2024-03-10T00:00:00Z');

function claimInput(overrides: Partial<ClaimInput> = {}): ClaimInput {
	return {
		guildId: GUILD,
		localDate: '2024-03-10',
		dueAt: DUE,
		channelId: seoulNine.channelId,
		processId: 'process-a',
		now: DUE,
		leaseMs: LEASE,
		maxAttempts: 3,
		pick: () => Promise.resolve('reflection-one'),
		...overrides,
	};
}

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sqliteFile(): string {
	const dir = mkdtempSync(join(tmpdir(), 'hfc-reflection-'));
	dirs.push(dir);
	return join(dir, 'bot.sqlite');
}

describe.each(DATABASE_KINDS)('on %s', (kind) => {
	const open = async () => new ReflectionStore(await openTestDatabase(kind));

	describe('schedules', () => {
		test('Given a saved schedule, then it is due at 09:00 Seoul time and only for the guilds this process serves', async () => {
			const store = await open();
			const saved = await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			expect(saved.nextDueAt).toEqual(DUE);
			expect(await store.due(at('2024-03-09T23:59:59Z'), [GUILD])).toEqual([]);
			expect((await store.due(DUE, [GUILD])).map((row) => row.guildId)).toEqual([GUILD]);
			expect(await store.due(DUE, [OTHER_GUILD])).toEqual([]);
			expect(await store.due(DUE, [])).toEqual([]);
		});

		test('Given a shard of a thousand guilds, then the schedules due among them are found, and only those', async () => {
			const store = await open();
			const guilds = Array.from({ length: 1000 }, (_, i) => `2100000000000${String(i).padStart(5, '0')}`);
			await store.save({ ...seoulNine, guildId: guilds[999]! }, at('2024-03-09T12:00:00Z'));
			await store.save({ ...seoulNine, guildId: OTHER_GUILD }, at('2024-03-09T12:00:00Z'));
			expect((await store.due(DUE, guilds)).map((row) => row.guildId)).toEqual([guilds[999]]);
		});

		test('Given a server with several schedules, then they are listed oldest first, and the oldest is its first', async () => {
			const store = await open();
			// Made in the same millisecond, as two commands can be on the bot's clock: still in that order.
			await store.save({ ...seoulNine, channelId: '300000000000000009' }, at('2024-03-09T12:00:00Z'));
			await store.save({ ...seoulNine, channelId: '300000000000000002' }, at('2024-03-09T12:00:00Z'));
			// Editing the oldest does not make it newer.
			await store.save({ ...seoulNine, channelId: '300000000000000009', time: '10:00' }, at('2024-03-09T12:02:00Z'));
			expect((await store.list(GUILD)).map((schedule) => schedule.channelId)).toEqual([
				'300000000000000009',
				'300000000000000002',
			]);
			expect((await store.get(GUILD))?.channelId).toBe('300000000000000009');
		});

		test('Given a schedule paused on its day, then it is due again only on its next day, and saving it resumes it', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			expect(await store.pause(seoulNine, 'channel-missing', null, DUE, '2024-03-10')).toBe(true);
			expect((await store.get(GUILD))?.paused).toEqual({ reason: 'channel-missing', detail: null, at: DUE });
			expect(await store.due(at('2024-03-10T12:00:00Z'), [GUILD])).toEqual([]);
			// Its next day it is due again, still paused, to check whether it can post by now.
			expect((await store.due(at('2024-03-11T00:00:00Z'), [GUILD])).map((row) => row.paused?.reason)).toEqual([
				'channel-missing',
			]);
			expect(await store.pause(seoulNine, 'channel-missing', null, at('2024-03-11T00:00:00Z'), '2024-03-11')).toBe(
				false,
			);

			const resumed = await store.save(seoulNine, at('2024-03-11T05:00:00Z'));
			expect(resumed.paused).toBeNull();
			expect(resumed.nextDueAt).toEqual(at('2024-03-12T00:00:00Z'));
		});

		test('Given today was posted, then moving the time later today schedules tomorrow, not a second post', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			const claim = await store.claim(claimInput());
			expect(claim.kind).toBe('claimed');
			await store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);

			const moved = await store.save({ ...seoulNine, time: '21:00' }, at('2024-03-10T01:00:00Z'));
			expect(moved.nextDueAt).toEqual(at('2024-03-11T12:00:00Z'));
		});

		test('Given a stopped schedule, then it is gone but its last post is still known', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.claim(claimInput());
			await store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);
			expect(await store.remove(seoulNine)).toBe(true);
			expect(await store.remove(seoulNine)).toBe(false);
			expect(await store.get(GUILD)).toBeUndefined();
			expect((await store.lastSent(seoulNine))?.messageId).toBe('m1');
		});
	});

	describe('claims', () => {
		test('Given a due day, then the claim carries the day’s deterministic nonce and the picked prompt', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			const claim = await store.claim(claimInput());
			expect(claim).toMatchObject({
				kind: 'claimed',
				retry: false,
				post: {
					status: 'claimed',
					nonce: reflectionNonce(GUILD, seoulNine.channelId, '2024-03-10'),
					reflectionId: 'reflection-one',
				},
			});
		});

		test('Given a sent day, then it moves the schedule to tomorrow and another claim finds it settled', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.claim(claimInput());
			await store.markSent(claimInput(), { messageId: 'm1', threadId: 't1' }, at('2024-03-10T00:00:02Z'));
			expect((await store.get(GUILD))?.nextDueAt).toEqual(at('2024-03-11T00:00:00Z'));
			expect(await store.post(seoulNine, '2024-03-10')).toMatchObject({
				status: 'sent',
				messageId: 'm1',
				threadId: 't1',
			});
			expect(await store.due(at('2024-03-10T12:00:00Z'), [GUILD])).toEqual([]);
		});

		test('Given two processes on one database, then the second sees the first’s fresh claim as busy and never picks', async () => {
			const location = await newDatabaseLocation(kind);
			const first = new ReflectionStore(await openSharedDatabase(location));
			const second = new ReflectionStore(await openSharedDatabase(location));
			await first.save(seoulNine, at('2024-03-09T12:00:00Z'));
			expect((await first.claim(claimInput())).kind).toBe('claimed');
			const pick = vi.fn(() => Promise.resolve('reflection-two'));
			expect((await second.claim(claimInput({ processId: 'process-b', pick }))).kind).toBe('busy');
			expect(pick).not.toHaveBeenCalled();
		});

		test('Given a process crashed after claiming, then after restart the claim waits out its lease and is retried with the same nonce and prompt', async () => {
			const location = await newDatabaseLocation(kind);
			const crashed = await openSharedDatabase(location);
			await new ReflectionStore(crashed).save(seoulNine, at('2024-03-09T12:00:00Z'));
			await new ReflectionStore(crashed).claim(claimInput());
			await crashed.destroy();

			const restarted = new ReflectionStore(await openSharedDatabase(location));
			const early = await restarted.claim(claimInput({ processId: 'process-b', now: at('2024-03-10T00:00:30Z') }));
			expect(early.kind).toBe('busy');
			const retry = await restarted.claim(
				claimInput({
					processId: 'process-b',
					now: at('2024-03-10T00:01:00Z'),
					pick: () => Promise.resolve('reflection-two'),
				}),
			);
			expect(retry).toMatchObject({
				kind: 'claimed',
				retry: true,
				post: {
					nonce: reflectionNonce(GUILD, seoulNine.channelId, '2024-03-10'),
					reflectionId: 'reflection-one',
					claimedBy: 'process-b',
					attempts: 2,
				},
			});
		});

		test('Given a day retried twice, then the post keeps its first attempt’s time and the retry knows when the last one was', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.claim(claimInput({ now: at('2024-03-10T06:00:00Z') }));
			await store.claim(claimInput({ now: at('2024-03-10T06:01:00Z') }));
			const third = await store.claim(claimInput({ now: at('2024-03-10T06:05:00Z') }));
			expect(third).toMatchObject({
				kind: 'claimed',
				retry: true,
				lastAttemptAt: at('2024-03-10T06:01:00Z'),
				post: { claimedAt: at('2024-03-10T06:05:00Z'), firstClaimedAt: at('2024-03-10T06:00:00Z'), attempts: 3 },
			});
		});

		test('Given a day that never confirms, then it is given up after the last attempt and the schedule moves on', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			for (let attempt = 0; attempt < 3; attempt++) {
				const claim = await store.claim(claimInput({ now: new Date(DUE.getTime() + attempt * LEASE) }));
				expect(claim.kind).toBe('claimed');
			}
			const giveUp = await store.claim(claimInput({ now: new Date(DUE.getTime() + 3 * LEASE) }));
			expect(giveUp).toMatchObject({ kind: 'gave-up', post: { status: 'failed', failure: 'too-many-attempts' } });
			expect((await store.get(GUILD))?.nextDueAt).toEqual(at('2024-03-11T00:00:00Z'));
		});

		test('Given the schedule changed after the decision was made, then the claim is refused as stale', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.save({ ...seoulNine, time: '10:00' }, at('2024-03-09T12:00:01Z'));
			expect((await store.claim(claimInput())).kind).toBe('stale');
			await store.remove(seoulNine);
			expect((await store.claim(claimInput())).kind).toBe('stale');
		});

		test('Given an unconfirmed claim from yesterday, then skipping closes it and it is never retried today', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.claim(claimInput());
			const schedule = (await store.get(GUILD))!;
			expect(await store.skip(schedule, at('2024-03-11T00:00:00Z'), at('2024-03-10T16:00:00Z'))).toBe(true);
			expect(await store.post(seoulNine, '2024-03-10')).toMatchObject({ status: 'failed', failure: 'unconfirmed' });
			// A second process doing the same skip finds the schedule already moved.
			expect(await store.skip(schedule, at('2024-03-11T00:00:00Z'), at('2024-03-10T16:00:00Z'))).toBe(false);
		});

		test('Given the send was refused (channel gone), then the day fails, and a fixed schedule can still post it today', async () => {
			const store = await open();
			await store.save({ ...seoulNine, time: '08:00' }, at('2024-03-09T12:00:00Z'));
			const dueAt = at('2024-03-09T23:00:00Z');
			await store.claim(claimInput({ dueAt, now: dueAt }));
			await store.pause(seoulNine, 'channel-missing', null, dueAt, '2024-03-10');
			expect(await store.post(seoulNine, '2024-03-10')).toMatchObject({
				status: 'failed',
				failure: 'channel-missing',
			});

			const fixed = await store.save({ ...seoulNine, channelId: '300000000000000002' }, at('2024-03-09T23:30:00Z'));
			expect(fixed.nextDueAt).toEqual(DUE);
			const claim = await store.claim(claimInput({ now: DUE, channelId: '300000000000000002' }));
			expect(claim.kind).toBe('claimed');
		});
	});

	describe('skip, pause and resume', () => {
		test('Given skip while today’s post is going out, then the day after is the one skipped, and the schedule steps over it', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			await store.claim(claimInput());
			expect(await store.skipNext(seoulNine, DUE)).toEqual({ skipped: '2024-03-11', nextDueAt: DUE });
			await store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);
			expect((await store.get(GUILD))?.nextDueAt).toEqual(at('2024-03-12T00:00:00Z'));
		});

		test('Given a pause, then the schedule is never due; resume days later starts at the next due time, not the days in between', async () => {
			const store = await open();
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			expect(await store.hold(seoulNine, '400000000000000001', at('2024-03-09T13:00:00Z'))).toBe(true);
			expect(await store.hold(seoulNine, '400000000000000001', at('2024-03-09T13:00:00Z'))).toBe(false);
			expect(await store.due(at('2024-03-13T00:00:00Z'), [GUILD])).toEqual([]);
			expect(await store.claim(claimInput())).toEqual({ kind: 'stale' });
			// Wednesday 10:00 in Seoul: today's 09:00 has gone by.
			const resumed = await store.release(seoulNine, at('2024-03-13T01:00:00Z'));
			expect(resumed?.nextDueAt).toEqual(at('2024-03-14T00:00:00Z'));
			expect(await store.release(seoulNine, at('2024-03-13T01:00:00Z'))).toBeUndefined();
		});
	});

	// Four tsx start-ups on a loaded 2-core machine can take most of a minute: generous bounds, nothing timed.
	describe('four OS processes on one database', { timeout: 120_000 }, () => {
		const run = promisify(execFile);

		test('Given four processes racing for the same due day, then exactly one claims it', async () => {
			const location = await newDatabaseLocation(kind);
			const store = new ReflectionStore(await openSharedDatabase(location));
			await store.save(seoulNine, at('2024-03-09T12:00:00Z'));
			const storeModule = new URL('../src/reflection/store.ts', import.meta.url).pathname;
			const databaseModule = new URL('../src/store/database.ts', import.meta.url).pathname;
			const go = join(mkdtempSync(join(tmpdir(), 'hfc-race-')), 'go');
			dirs.push(join(go, '..'));
			const script = `
				import { existsSync, writeFileSync } from 'node:fs';
				import { openDatabase } from ${JSON.stringify(databaseModule)};
				import { ReflectionStore } from ${JSON.stringify(storeModule)};
				const db = await openDatabase(JSON.parse(process.env.DB_LOCATION));
				const store = new ReflectionStore(db);
				// Everyone opens the database first, then all claim at once. Waiting sleeps 2 ms a look (four busy
				// loops on two cores would starve the others' start-up); a child whose test gave up exits after 2 minutes.
				writeFileSync(process.env.GO + '.' + process.env.PROCESS_ID, '');
				const nap = new Int32Array(new SharedArrayBuffer(4));
				const giveUpAt = Date.now() + 120000;
				while (!existsSync(process.env.GO) && Date.now() < giveUpAt) Atomics.wait(nap, 0, 0, 2);
				const result = await store.claim({
					guildId: ${JSON.stringify(GUILD)}, localDate: '2024-03-10', dueAt: new Date(${DUE.getTime()}),
					channelId: ${JSON.stringify(seoulNine.channelId)}, processId: process.env.PROCESS_ID,
					now: new Date(${DUE.getTime()}), leaseMs: 60000, maxAttempts: 3,
					pick: async () => 'reflection-' + process.env.PROCESS_ID,
				});
				await db.destroy();
				process.stdout.write(result.kind);
			`;
			const processIds = ['p1', 'p2', 'p3', 'p4'];
			const running = Promise.all(
				processIds.map(async (processId) => {
					const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
						env: { ...process.env, DB_LOCATION: JSON.stringify(location), GO: go, PROCESS_ID: processId },
					});
					return stdout;
				}),
			);
			await vi.waitFor(() => expect(processIds.every((id) => existsSync(`${go}.${id}`))).toBe(true), {
				timeout: 90_000,
				interval: 20,
			});
			writeFileSync(go, '');
			const results = await running;
			expect(results.filter((result) => result === 'claimed')).toHaveLength(1);
			expect(results.filter((result) => result === 'busy')).toHaveLength(3);
			const post = (await store.post(seoulNine, '2024-03-10'))!;
			expect(post.reflectionId).toBe(`reflection-${post.claimedBy}`);
		});
	});
});

describe('PostgreSQL: hosts take turns on a schedule’s row', () => {
	async function twoHosts() {
		const { url } = await createPostgresDatabase();
		const hosts = [await openSharedDatabase({ url }), await openSharedDatabase({ url })] as const;
		await new ReflectionStore(hosts[0]).save(seoulNine, at('2024-03-09T12:00:00Z'));
		return hosts;
	}

	test('Given two hosts claiming the same day at the same moment, then one claims it and the other is told busy', async () => {
		const [a, b] = await twoHosts();
		const claims = await Promise.all(
			[a, b, a, b].map((db, i) =>
				new ReflectionStore(db).claim(claimInput({ processId: `host-${i}`, pick: () => Promise.resolve(`r-${i}`) })),
			),
		);
		expect(claims.map((claim) => claim.kind).sort()).toEqual(['busy', 'busy', 'busy', 'claimed']);
		const post = (await new ReflectionStore(a).post(seoulNine, '2024-03-10'))!;
		expect(post.reflectionId).toBe(`r-${post.claimedBy.slice('host-'.length)}`);
	});

	test('Given another host is in the middle of a claim, then a claim is busy at once instead of waiting, and claims once it is done', async () => {
		const [a, b] = await twoHosts();
		let locked!: () => void;
		let finish!: () => void;
		const rowHeld = new Promise<void>((resolve) => (locked = resolve));
		const done = new Promise<void>((resolve) => (finish = resolve));
		const other = a.transaction().execute(async (trx) => {
			await sql`SELECT 1 FROM reflection_schedules WHERE guild_id = ${GUILD} FOR UPDATE`.execute(trx);
			locked();
			await done;
		});
		await rowHeld;
		expect(await new ReflectionStore(b).claim(claimInput())).toEqual({ kind: 'busy' });
		finish();
		await other;
		expect((await new ReflectionStore(b).claim(claimInput())).kind).toBe('claimed');
	});

	test('Given an admin pauses while another host posts the day, then both land: the day is sent and the schedule held', async () => {
		const [a, b] = await twoHosts();
		await new ReflectionStore(a).claim(claimInput());
		const [, held] = await Promise.all([
			new ReflectionStore(a).markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE),
			new ReflectionStore(b).hold(seoulNine, '400000000000000001', DUE),
		]);
		expect(held).toBe(true);
		const store = new ReflectionStore(a);
		expect(await store.get(GUILD)).toMatchObject({
			held: { by: '400000000000000001' },
			nextDueAt: at('2024-03-11T00:00:00Z'),
		});
		expect(await store.post(seoulNine, '2024-03-10')).toMatchObject({ status: 'sent', messageId: 'm1' });
	});
});

describe('upgrading a SQLite database made before several schedules per server (migrations 1–6)', () => {
	test('Given a schedule, a sent day and a claim in flight, then after the upgrade the schedule is unchanged, every day, and the claim is retried with its nonce', async () => {
		const path = sqliteFile();
		const before = new BetterSqlite3(path);
		migrateSqlite(
			before,
			MIGRATIONS.filter((migration) => migration.version <= 6),
		);
		const channelId = seoulNine.channelId;
		// Rows as releases before schema 7 wrote them: one schedule per guild, posts keyed by guild and date.
		before
			.prepare(
				`INSERT INTO reflection_schedules (guild_id, channel_id, time, time_zone, role_id, thread, next_due_at,
				 paused_reason, updated_by, updated_locale, updated_at)
				 VALUES (?, ?, '09:00', 'Asia/Seoul', '500000000000000001', 1, ?, NULL, '400000000000000001', 'ko', 1)`,
			)
			.run(GUILD, channelId, DUE.getTime());
		const insertPost = before.prepare(
			`INSERT INTO reflection_posts (guild_id, local_date, status, nonce, reflection_id, channel_id, claimed_by,
			 claimed_at, first_claimed_at, attempts, message_id, thread_id, sent_at)
			 VALUES (?, ?, ?, ?, ?, ?, 'old-process', ?, ?, 1, ?, ?, ?)`,
		);
		insertPost.run(GUILD, '2024-03-09', 'sent', 'hfr-old-sent', 'reflection-one', channelId, 1, 1, 'm9', 't9', 2);
		const inFlight = DUE.getTime();
		insertPost.run(
			GUILD,
			'2024-03-10',
			'claimed',
			'hfr-old-claim',
			'reflection-two',
			channelId,
			inFlight,
			inFlight,
			null,
			null,
			null,
		);
		before.close();

		const db: Db = await openSharedDatabase({ path });
		const store = new ReflectionStore(db);
		expect(await store.list(GUILD)).toEqual([
			expect.objectContaining({
				channelId,
				time: '09:00',
				timeZone: 'Asia/Seoul',
				roleId: '500000000000000001',
				thread: true,
				days: 0b111_1111,
				pin: false,
				forumTagId: null,
				held: null,
				paused: null,
				nextDueAt: DUE,
				updatedLocale: 'ko',
			}),
		]);
		expect(await store.lastSent(seoulNine)).toMatchObject({
			localDate: '2024-03-09',
			messageId: 'm9',
			threadId: 't9',
		});
		const retry = await store.claim(claimInput({ now: at('2024-03-10T00:01:01Z') }));
		expect(retry).toMatchObject({
			kind: 'claimed',
			retry: true,
			post: { nonce: 'hfr-old-claim', reflectionId: 'reflection-two', firstClaimedAt: DUE, attempts: 2 },
		});
	});
});
