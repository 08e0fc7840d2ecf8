import { describe, expect, test } from 'vitest';
import type { Db } from '../src/store/database.js';
import { WatchPartyStore, beatKey, postNonce } from '../src/watchparty/store.js';
import { MINUTE_MS, PAUSE_LIMIT_MS, pause, startTimeline, type TimelinePlan } from '../src/watchparty/timeline.js';
import { DATABASE_KINDS, createPostgresDatabase, openSharedDatabase, openTestDatabase } from './support/databases.js';

const plan: TimelinePlan = {
	runtimeMinutes: 126,
	beats: [
		{ id: 'meeting', minute: 12 },
		{ id: 'goodbye', minute: 110 },
	],
};
const NOW = Date.UTC(2025, 4, 14, 11, 0, 0);
const messages = {
	threadId: 't1',
	announceMessageId: 'm0',
	welcomeMessageId: 'm1',
	controlMessageId: 'm2',
	countdownMessageId: 'm3',
};

function storeOn(db: Db) {
	const store = new WatchPartyStore(db, plan);
	const reserve = (channelId = 'c1', now = NOW, hostId = 'host') =>
		store.reserve({
			guildId: 'g1',
			channelId,
			hostId,
			title: 'Friday',
			timeline: startTimeline(plan, { now, inMinutes: 5 }),
			now,
		});
	return { db, store, reserve };
}

const ids = (parties: readonly { id: number }[]) => parties.map((party) => party.id);

describe.each(DATABASE_KINDS)('WatchPartyStore on %s', (kind) => {
	const setup = async () => storeOn(await openTestDatabase(kind));

	test('Given a party in a channel, then a second one there gets the first, and another channel gets its own', async () => {
		const { store, reserve } = await setup();
		const first = await reserve();
		expect(first.created).toBe(true);
		await store.activate(first.party.id, messages, NOW);
		const second = await reserve();
		expect(second).toMatchObject({ created: false, party: { id: first.party.id } });
		expect((await store.activeFor('t1'))?.id).toBe(first.party.id);
		expect((await reserve('c2')).created).toBe(true);
	});

	test('Given an ended party, then the channel is free again', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		expect(await store.end(party.id, 'ended-by-host', NOW)).toBe(true);
		expect(await store.end(party.id, 'finished', NOW)).toBe(false);
		expect((await store.get(party.id))?.endReason).toBe('ended-by-host');
		expect((await reserve()).created).toBe(true);
	});

	test('Given a setup that never finished, then it is released after the timeout and cannot be activated', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		expect(await store.abandonStaleSetups(NOW, NOW + MINUTE_MS)).toEqual([]);
		expect(await store.abandonStaleSetups(NOW + 1, NOW + 10 * MINUTE_MS)).toEqual([party.id]);
		expect(await store.abandonStaleSetups(NOW + 1, NOW + 11 * MINUTE_MS)).toEqual([]);
		expect(await store.activate(party.id, messages, NOW + 11 * MINUTE_MS)).toMatchObject({
			status: 'ended',
			endReason: 'setup-failed',
		});
	});

	test('Given an activated party, then it is due at the first countdown step and the host joined', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		await store.activate(party.id, messages, NOW);
		expect(await store.members(party.id)).toEqual(['host']);
		expect(await store.due(NOW + 5 * MINUTE_MS - 3001, ['g1'])).toEqual([]);
		expect(ids(await store.due(NOW + 5 * MINUTE_MS - 3000, ['g1']))).toEqual([party.id]);
	});

	test('Given a party in a guild this process does not serve (another shard, or one the bot left), then it is never due here', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		await store.activate(party.id, messages, NOW);
		expect(await store.due(NOW + 300 * MINUTE_MS, ['g2'])).toEqual([]);
		expect(await store.due(NOW + 300 * MINUTE_MS, [])).toEqual([]);
		expect(ids(await store.due(NOW + 300 * MINUTE_MS, ['g2', 'g1']))).toEqual([party.id]);
	});

	test('Given a pause, then the party leaves the due index until the pause limit or a resume', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		await store.activate(party.id, messages, NOW);
		await store.updateClock(party.id, NOW + MINUTE_MS, (timeline) => pause(timeline, NOW + MINUTE_MS));
		expect(await store.due(NOW + MINUTE_MS + PAUSE_LIMIT_MS - 1, ['g1'])).toEqual([]);
		expect((await store.get(party.id))?.timeline.pausedAt).toBe(NOW + MINUTE_MS);
	});

	test('Given a host ends a party, then its wrap-up is due for a try until it is posted, and a party that failed has none', async () => {
		const { store, reserve } = await setup();
		const ended = (await reserve('c1')).party;
		const failed = (await reserve('c2')).party;
		await store.end(ended.id, 'ended-by-host', NOW, NOW + MINUTE_MS);
		await store.end(failed.id, 'failed', NOW);
		expect(await store.wrapUpRetriesDue(NOW + MINUTE_MS - 1, ['g1'])).toEqual([]);
		expect(await store.wrapUpRetriesDue(NOW + MINUTE_MS, ['g1'])).toEqual([
			{ id: ended.id, guildId: 'g1', failures: 0 },
		]);
		await store.scheduleWrapUpRetry(ended.id, NOW + 2 * MINUTE_MS, 1);
		expect(await store.wrapUpRetriesDue(NOW + 2 * MINUTE_MS, ['g1'])).toEqual([
			{ id: ended.id, guildId: 'g1', failures: 1 },
		]);
		await store.clearWrapUpRetry(ended.id);
		expect(await store.wrapUpRetriesDue(NOW + 300 * MINUTE_MS, ['g1'])).toEqual([]);
	});

	test('Given a claimed beat, then it cannot be claimed again and counts as posted, with a stable nonce', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		const claim = await store.claim(party.id, beatKey('meeting'), NOW, true);
		expect(claim).toEqual({
			key: 'beat:meeting',
			nonce: postNonce(party.id, 'beat:meeting'),
			claimedAt: NOW,
			late: true,
			messageId: null,
			lostAt: null,
		});
		expect(claim!.nonce.length).toBeLessThanOrEqual(25);
		expect(await store.claim(party.id, beatKey('meeting'), NOW + 1, false)).toBeUndefined();
		expect((await store.get(party.id))?.timeline.posted).toEqual(['meeting']);
		expect(await store.reclaim(party.id, claim!)).toBe(true);
		expect(await store.reclaim(party.id, claim!)).toBe(true);
		// A retry keeps the first send's time: Discord's nonce window runs from there.
		expect((await store.posts(party.id))[0]).toMatchObject({ claimedAt: NOW, messageId: null });
		await store.recordSent(party.id, 'beat:meeting', 'msg');
		expect(await store.reclaim(party.id, claim!)).toBe(false);
		expect((await store.posts(party.id))[0]).toMatchObject({ claimedAt: NOW, messageId: 'msg', late: true });
	});

	test('Given an unconfirmed beat past the nonce window, then it restarts late with a new first-send time once, or is given up as lost for good', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		await store.claim(party.id, beatKey('meeting'), NOW, false);
		await store.claim(party.id, beatKey('goodbye'), NOW, false);
		expect(await store.restartClaim(party.id, beatKey('meeting'), NOW, NOW + 5 * MINUTE_MS)).toMatchObject({
			claimedAt: NOW + 5 * MINUTE_MS,
			late: true,
			nonce: postNonce(party.id, beatKey('meeting')),
		});
		// Another engine that saw the same first send finds it restarted already.
		expect(await store.restartClaim(party.id, beatKey('meeting'), NOW, NOW + 5 * MINUTE_MS)).toBeUndefined();
		await store.markLost(party.id, beatKey('goodbye'), NOW + 5 * MINUTE_MS);
		const lost = (await store.posts(party.id)).find((post) => post.key === beatKey('goodbye'))!;
		expect(lost).toMatchObject({ lostAt: NOW + 5 * MINUTE_MS, messageId: null });
		expect(await store.reclaim(party.id, lost)).toBe(false);
		expect(await store.restartClaim(party.id, beatKey('goodbye'), NOW, NOW + 6 * MINUTE_MS)).toBeUndefined();
		expect((await store.get(party.id))?.timeline.posted.toSorted()).toEqual(['goodbye', 'meeting']);
	});

	test('Given a party paused before pauses had a limit (nothing due stored), then the engine’s first tick makes it due at the limit', async () => {
		const { db, store, reserve } = await setup();
		const { party } = await reserve();
		await store.activate(party.id, messages, NOW);
		await store.updateClock(party.id, NOW + MINUTE_MS, (timeline) => pause(timeline, NOW + MINUTE_MS));
		await db.updateTable('watch_parties').set({ next_due_at: null }).where('id', '=', party.id).execute();
		await store.scheduleUnlimitedPauses();
		await store.scheduleUnlimitedPauses();
		expect(await store.due(NOW + MINUTE_MS + PAUSE_LIMIT_MS - 1, ['g1'])).toEqual([]);
		expect(ids(await store.due(NOW + MINUTE_MS + PAUSE_LIMIT_MS, ['g1']))).toEqual([party.id]);
	});

	test('Given join twice and leave, then each member is listed once, in the order they joined', async () => {
		const { store, reserve } = await setup();
		const { party } = await reserve();
		expect(await store.join(party.id, 'guest', NOW + 1)).toBe(true);
		expect(await store.join(party.id, 'guest', NOW + 2)).toBe(false);
		expect(await store.members(party.id)).toEqual(['host', 'guest']);
		expect(await store.leave(party.id, 'host')).toBe(true);
		expect(await store.leave(party.id, 'host')).toBe(false);
		expect(await store.members(party.id)).toEqual(['guest']);
	});
});

describe('WatchPartyStore shared by several hosts on PostgreSQL', () => {
	/** `count` hosts, each with its own connection pool to one database. */
	async function hosts(count: number) {
		const { url } = await createPostgresDatabase();
		return Promise.all(Array.from({ length: count }, async () => storeOn(await openSharedDatabase({ url }))));
	}

	test('Given two hosts starting a party in one channel at the same moment, then there is one party and both get it', async () => {
		const [a, b] = await hosts(2);
		const [first, second] = await Promise.all([a!.reserve('c1', NOW, 'host-a'), b!.reserve('c1', NOW, 'host-b')]);
		expect([first.created, second.created].toSorted()).toEqual([false, true]);
		expect(first.party.id).toBe(second.party.id);
		const rows = await a!.db.selectFrom('watch_parties').select(['id', 'host_id']).execute();
		expect(rows).toEqual([{ id: first.party.id, host_id: first.party.hostId }]);
		expect(await a!.store.members(first.party.id)).toEqual([first.party.hostId]);
	});

	test('Given two hosts claiming one beat at the same moment, then exactly one of them may post it', async () => {
		const [a, b] = await hosts(2);
		const { party } = await a!.reserve();
		const claims = await Promise.all([
			a!.store.claim(party.id, beatKey('meeting'), NOW, false),
			b!.store.claim(party.id, beatKey('meeting'), NOW, false),
		]);
		expect(claims.filter(Boolean)).toHaveLength(1);
	});

	test('Given two hosts changing one party’s clock at the same moment, then neither change is lost', async () => {
		const [a, b] = await hosts(2);
		const { party } = await a!.reserve();
		await a!.store.activate(party.id, messages, NOW);
		// One pauses, the other marks the countdown: each reads the clock and writes it back whole.
		await Promise.all([
			a!.store.updateClock(party.id, NOW + MINUTE_MS, (timeline) => pause(timeline, NOW + MINUTE_MS)),
			b!.store.markCountdown(party.id, 3, NOW + MINUTE_MS),
		]);
		expect((await a!.store.get(party.id))?.timeline).toMatchObject({ pausedAt: NOW + MINUTE_MS, countdownShown: 3 });
	});

	test('Given two hosts ending one party at the same moment, then it ends once', async () => {
		const [a, b] = await hosts(2);
		const { party } = await a!.reserve();
		await a!.store.activate(party.id, messages, NOW);
		const ended = await Promise.all([
			a!.store.end(party.id, 'ended-by-host', NOW),
			b!.store.end(party.id, 'finished', NOW),
		]);
		expect(ended.toSorted()).toEqual([false, true]);
	});
});
