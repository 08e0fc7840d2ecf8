import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ReflectionStore, type ClaimInput, type ScheduleInput } from '../src/reflection/store.js';
import { reflectionNonce } from '../src/reflection/schedule.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations.js';

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

let dir: string;
let file: string;
const opened: Database[] = [];

function open(): ReflectionStore {
	const db = openDatabase(file);
	opened.push(db);
	return new ReflectionStore(db);
}

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
		pick: () => 'reflection-one',
		...overrides,
	};
}

beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'hfc-reflection-'));
	file = join(dir, 'bot.sqlite');
});

afterEach(() => {
	for (const db of opened.splice(0)) if (db.open) db.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('schedules', () => {
	test('Given a saved schedule, then it is due at 09:00 Seoul time and only for the guilds this process serves', () => {
		const store = open();
		const saved = store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		expect(saved.nextDueAt).toEqual(DUE);
		expect(store.due(at('2024-03-09T23:59:59Z'), [GUILD])).toEqual([]);
		expect(store.due(DUE, [GUILD]).map((row) => row.guildId)).toEqual([GUILD]);
		expect(store.due(DUE, [OTHER_GUILD])).toEqual([]);
		expect(store.due(DUE, [])).toEqual([]);
	});

	test('Given a schedule paused on its day, then it is due again only on its next day, and saving it resumes it', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		expect(store.pause(seoulNine, 'channel-missing', null, DUE, '2024-03-10')).toBe(true);
		expect(store.get(GUILD)?.paused).toEqual({ reason: 'channel-missing', detail: null, at: DUE });
		expect(store.due(at('2024-03-10T12:00:00Z'), [GUILD])).toEqual([]);
		// Its next day it is due again, still paused, to check whether it can post by now.
		expect(store.due(at('2024-03-11T00:00:00Z'), [GUILD]).map((row) => row.paused?.reason)).toEqual([
			'channel-missing',
		]);
		expect(store.pause(seoulNine, 'channel-missing', null, at('2024-03-11T00:00:00Z'), '2024-03-11')).toBe(false);

		const resumed = store.save(seoulNine, at('2024-03-11T05:00:00Z'));
		expect(resumed.paused).toBeNull();
		expect(resumed.nextDueAt).toEqual(at('2024-03-12T00:00:00Z'));
	});

	test('Given today was posted, then moving the time later today schedules tomorrow, not a second post', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		const claim = store.claim(claimInput());
		expect(claim.kind).toBe('claimed');
		store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);

		const moved = store.save({ ...seoulNine, time: '21:00' }, at('2024-03-10T01:00:00Z'));
		expect(moved.nextDueAt).toEqual(at('2024-03-11T12:00:00Z'));
	});

	test('Given a stopped schedule, then it is gone but its last post is still known', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.claim(claimInput());
		store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);
		expect(store.remove(seoulNine)).toBe(true);
		expect(store.remove(seoulNine)).toBe(false);
		expect(store.get(GUILD)).toBeUndefined();
		expect(store.lastSent(seoulNine)?.messageId).toBe('m1');
	});
});

describe('claims', () => {
	test('Given a due day, then the claim carries the day’s deterministic nonce and the picked prompt', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		const claim = store.claim(claimInput());
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

	test('Given a sent day, then it moves the schedule to tomorrow and another claim finds it settled', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.claim(claimInput());
		store.markSent(claimInput(), { messageId: 'm1', threadId: 't1' }, at('2024-03-10T00:00:02Z'));
		expect(store.get(GUILD)?.nextDueAt).toEqual(at('2024-03-11T00:00:00Z'));
		expect(store.post(seoulNine, '2024-03-10')).toMatchObject({ status: 'sent', messageId: 'm1', threadId: 't1' });
		expect(store.due(at('2024-03-10T12:00:00Z'), [GUILD])).toEqual([]);
	});

	test('Given two processes on one file, then the second sees the first’s fresh claim as busy and never picks', () => {
		const first = open();
		const second = open();
		first.save(seoulNine, at('2024-03-09T12:00:00Z'));
		expect(first.claim(claimInput()).kind).toBe('claimed');
		let picked = false;
		const claim = second.claim(
			claimInput({
				processId: 'process-b',
				pick: () => {
					picked = true;
					return 'reflection-two';
				},
			}),
		);
		expect(claim.kind).toBe('busy');
		expect(picked).toBe(false);
	});

	test('Given a process crashed after claiming, then after restart the claim waits out its lease and is retried with the same nonce and prompt', () => {
		const crashed = open();
		crashed.save(seoulNine, at('2024-03-09T12:00:00Z'));
		crashed.claim(claimInput());
		opened[0]!.close();

		const restarted = open();
		expect(restarted.claim(claimInput({ processId: 'process-b', now: at('2024-03-10T00:00:30Z') })).kind).toBe('busy');
		const retry = restarted.claim(
			claimInput({ processId: 'process-b', now: at('2024-03-10T00:01:00Z'), pick: () => 'reflection-two' }),
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

	test('Given a day retried twice, then the post keeps its first attempt’s time and the retry knows when the last one was', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.claim(claimInput({ now: at('2024-03-10T06:00:00Z') }));
		store.claim(claimInput({ now: at('2024-03-10T06:01:00Z') }));
		const third = store.claim(claimInput({ now: at('2024-03-10T06:05:00Z') }));
		expect(third).toMatchObject({
			kind: 'claimed',
			retry: true,
			lastAttemptAt: at('2024-03-10T06:01:00Z'),
			post: { claimedAt: at('2024-03-10T06:05:00Z'), firstClaimedAt: at('2024-03-10T06:00:00Z'), attempts: 3 },
		});
	});

	test('Given a day that never confirms, then it is given up after the last attempt and the schedule moves on', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		for (let attempt = 0; attempt < 3; attempt++) {
			expect(store.claim(claimInput({ now: new Date(DUE.getTime() + attempt * LEASE) })).kind).toBe('claimed');
		}
		const giveUp = store.claim(claimInput({ now: new Date(DUE.getTime() + 3 * LEASE) }));
		expect(giveUp).toMatchObject({ kind: 'gave-up', post: { status: 'failed', failure: 'too-many-attempts' } });
		expect(store.get(GUILD)?.nextDueAt).toEqual(at('2024-03-11T00:00:00Z'));
	});

	test('Given the schedule changed after the decision was made, then the claim is refused as stale', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.save({ ...seoulNine, time: '10:00' }, at('2024-03-09T12:00:01Z'));
		expect(store.claim(claimInput()).kind).toBe('stale');
		store.remove(seoulNine);
		expect(store.claim(claimInput()).kind).toBe('stale');
	});

	test('Given an unconfirmed claim from yesterday, then skipping closes it and it is never retried today', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.claim(claimInput());
		const schedule = store.get(GUILD)!;
		const skipped = store.skip(schedule, at('2024-03-11T00:00:00Z'), at('2024-03-10T16:00:00Z'));
		expect(skipped).toBe(true);
		expect(store.post(seoulNine, '2024-03-10')).toMatchObject({ status: 'failed', failure: 'unconfirmed' });
		// A second process doing the same skip finds the schedule already moved.
		expect(store.skip(schedule, at('2024-03-11T00:00:00Z'), at('2024-03-10T16:00:00Z'))).toBe(false);
	});

	test('Given the send was refused (channel gone), then the day fails, and a fixed schedule can still post it today', () => {
		const store = open();
		store.save({ ...seoulNine, time: '08:00' }, at('2024-03-09T12:00:00Z'));
		const dueAt = at('2024-03-09T23:00:00Z');
		store.claim(claimInput({ dueAt, now: dueAt }));
		store.pause(seoulNine, 'channel-missing', null, dueAt, '2024-03-10');
		expect(store.post(seoulNine, '2024-03-10')).toMatchObject({ status: 'failed', failure: 'channel-missing' });

		const fixed = store.save({ ...seoulNine, channelId: '300000000000000002' }, at('2024-03-09T23:30:00Z'));
		expect(fixed.nextDueAt).toEqual(DUE);
		expect(store.claim(claimInput({ now: DUE, channelId: '300000000000000002' })).kind).toBe('claimed');
	});
});

describe('upgrading a database made before several schedules per server (migrations 1–6)', () => {
	test('Given a schedule, a sent day and a claim in flight, then after the upgrade the schedule is unchanged, every day, and the claim is retried with its nonce', () => {
		const before = openDatabase(
			file,
			MIGRATIONS.filter((migration) => migration.version <= 6),
		);
		const channelId = seoulNine.channelId;
		// Rows as main writes them: one schedule per guild, posts keyed by guild and date.
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

		const store = open();
		expect(store.list(GUILD)).toEqual([
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
		expect(store.lastSent(seoulNine)).toMatchObject({ localDate: '2024-03-09', messageId: 'm9', threadId: 't9' });
		const retry = store.claim(claimInput({ now: at('2024-03-10T00:01:01Z') }));
		expect(retry).toMatchObject({
			kind: 'claimed',
			retry: true,
			post: { nonce: 'hfr-old-claim', reflectionId: 'reflection-two', firstClaimedAt: DUE, attempts: 2 },
		});
	});
});

describe('skip, pause and resume', () => {
	test('Given skip while today’s post is going out, then the day after is the one skipped, and the schedule steps over it', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		store.claim(claimInput());
		expect(store.skipNext(seoulNine, DUE)).toEqual({ skipped: '2024-03-11', nextDueAt: DUE });
		store.markSent(claimInput(), { messageId: 'm1', threadId: null }, DUE);
		expect(store.get(GUILD)?.nextDueAt).toEqual(at('2024-03-12T00:00:00Z'));
	});

	test('Given a pause, then the schedule is never due; resume days later starts at the next due time, not the days in between', () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		expect(store.hold(seoulNine, '400000000000000001', at('2024-03-09T13:00:00Z'))).toBe(true);
		expect(store.hold(seoulNine, '400000000000000001', at('2024-03-09T13:00:00Z'))).toBe(false);
		expect(store.due(at('2024-03-13T00:00:00Z'), [GUILD])).toEqual([]);
		expect(store.claim(claimInput())).toEqual({ kind: 'stale' });
		// Wednesday 10:00 in Seoul: today's 09:00 has gone by.
		expect(store.release(seoulNine, at('2024-03-13T01:00:00Z'))?.nextDueAt).toEqual(at('2024-03-14T00:00:00Z'));
		expect(store.release(seoulNine, at('2024-03-13T01:00:00Z'))).toBeUndefined();
	});
});

// Four tsx start-ups on a loaded 2-core machine can take most of a minute: generous bounds, nothing timed.
describe('two OS processes on one SQLite file', { timeout: 120_000 }, () => {
	const run = promisify(execFile);

	test('Given four processes racing for the same due day, then exactly one claims it', async () => {
		const store = open();
		store.save(seoulNine, at('2024-03-09T12:00:00Z'));
		const storeModule = new URL('../src/reflection/store.ts', import.meta.url).pathname;
		const go = join(dir, 'go');
		const script = `
			import { existsSync, writeFileSync } from 'node:fs';
			import Database from 'better-sqlite3';
			import { ReflectionStore } from ${JSON.stringify(storeModule)};
			const db = new Database(process.env.DB_FILE);
			db.pragma('busy_timeout = 5000');
			const store = new ReflectionStore(db);
			// Everyone opens the file first, then all claim at once. Waiting sleeps 2 ms a look (four busy loops
			// on two cores would starve the others' start-up); a child whose test gave up exits after 2 minutes.
			writeFileSync(process.env.GO + '.' + process.env.PROCESS_ID, '');
			const nap = new Int32Array(new SharedArrayBuffer(4));
			const giveUpAt = Date.now() + 120000;
			while (!existsSync(process.env.GO) && Date.now() < giveUpAt) Atomics.wait(nap, 0, 0, 2);
			const result = store.claim({
				guildId: ${JSON.stringify(GUILD)}, localDate: '2024-03-10', dueAt: new Date(${DUE.getTime()}),
				channelId: ${JSON.stringify(seoulNine.channelId)}, processId: process.env.PROCESS_ID, now: new Date(${DUE.getTime()}),
				leaseMs: 60000, maxAttempts: 3, pick: () => 'reflection-' + process.env.PROCESS_ID,
			});
			process.stdout.write(result.kind);
		`;
		const processIds = ['p1', 'p2', 'p3', 'p4'];
		const running = Promise.all(
			processIds.map(async (processId) => {
				const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
					env: { ...process.env, DB_FILE: file, GO: go, PROCESS_ID: processId },
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
		expect(results.filter((kind) => kind === 'claimed')).toHaveLength(1);
		expect(results.filter((kind) => kind === 'busy')).toHaveLength(3);
		const post = store.post(seoulNine, '2024-03-10')!;
		expect(post.reflectionId).toBe(`reflection-${post.claimedBy}`);
	});
});
