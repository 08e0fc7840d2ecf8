import { describe, expect, test } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { WatchPartyStore, beatKey, postNonce } from '../src/watchparty/store.js';
import { MINUTE_MS, PAUSE_LIMIT_MS, pause, startTimeline, type TimelinePlan } from '../src/watchparty/timeline.js';

const plan: TimelinePlan = {
	runtimeMinutes: 126,
	beats: [
		{ id: 'meeting', minute: 12 },
		{ id: 'goodbye', minute: 110 },
	],
};
const NOW = Date.UTC(2025, 4, 14, 11, 0, 0);

function setup() {
	const db = openDatabase(':memory:');
	const store = new WatchPartyStore(db, plan);
	const reserve = (channelId = 'c1', now = NOW) =>
		store.reserve({
			guildId: 'g1',
			channelId,
			hostId: 'host',
			title: 'Friday',
			timeline: startTimeline(plan, { now, inMinutes: 5 }),
			now,
		});
	const messages = {
		threadId: 't1',
		announceMessageId: 'm0',
		welcomeMessageId: 'm1',
		controlMessageId: 'm2',
		countdownMessageId: 'm3',
	};
	return { db, store, reserve, messages };
}

describe('WatchPartyStore', () => {
	test('Given a party in a channel, then a second one there gets the first, and another channel gets its own', () => {
		const { store, reserve, messages } = setup();
		const first = reserve();
		expect(first.created).toBe(true);
		store.activate(first.party.id, messages, NOW);
		const second = reserve();
		expect(second).toMatchObject({ created: false, party: { id: first.party.id } });
		expect(store.activeFor('t1')?.id).toBe(first.party.id);
		expect(reserve('c2').created).toBe(true);
	});

	test('Given an ended party, then the channel is free again', () => {
		const { store, reserve } = setup();
		const { party } = reserve();
		expect(store.end(party.id, 'ended-by-host', NOW)).toBe(true);
		expect(store.end(party.id, 'finished', NOW)).toBe(false);
		expect(store.get(party.id)?.endReason).toBe('ended-by-host');
		expect(reserve().created).toBe(true);
	});

	test('Given a setup that never finished, then it is released after the timeout and cannot be activated', () => {
		const { store, reserve, messages } = setup();
		const { party } = reserve();
		expect(store.abandonStaleSetups(NOW, NOW + MINUTE_MS)).toEqual([]);
		expect(store.abandonStaleSetups(NOW + 1, NOW + 10 * MINUTE_MS)).toEqual([party.id]);
		expect(store.activate(party.id, messages, NOW + 11 * MINUTE_MS)).toMatchObject({
			status: 'ended',
			endReason: 'setup-failed',
		});
	});

	test('Given an activated party, then it is due at the first countdown step and the host joined', () => {
		const { store, reserve, messages } = setup();
		const { party } = reserve();
		store.activate(party.id, messages, NOW);
		expect(store.members(party.id)).toEqual(['host']);
		expect(store.due(NOW + 5 * MINUTE_MS - 3001, ['g1'])).toEqual([]);
		expect(store.due(NOW + 5 * MINUTE_MS - 3000, ['g1']).map((due) => due.id)).toEqual([party.id]);
	});

	test('Given a party in a guild this process does not serve (another shard, or one the bot left), then it is never due here', () => {
		const { store, reserve, messages } = setup();
		const { party } = reserve();
		store.activate(party.id, messages, NOW);
		expect(store.due(NOW + 300 * MINUTE_MS, ['g2'])).toEqual([]);
		expect(store.due(NOW + 300 * MINUTE_MS, [])).toEqual([]);
		expect(store.due(NOW + 300 * MINUTE_MS, ['g2', 'g1']).map((due) => due.id)).toEqual([party.id]);
	});

	test('Given a pause, then the party leaves the due index until it is resumed', () => {
		const { store, reserve, messages } = setup();
		const { party } = reserve();
		store.activate(party.id, messages, NOW);
		store.updateClock(party.id, NOW + MINUTE_MS, (timeline) => pause(timeline, NOW + MINUTE_MS));
		expect(store.due(NOW + 300 * MINUTE_MS, ['g1'])).toEqual([]);
		expect(store.get(party.id)?.timeline.pausedAt).toBe(NOW + MINUTE_MS);
	});

	test('Given a claimed beat, then it cannot be claimed again and counts as posted, with a stable nonce', () => {
		const { store, reserve } = setup();
		const { party } = reserve();
		const claim = store.claim(party.id, beatKey('meeting'), NOW, true);
		expect(claim).toEqual({
			key: 'beat:meeting',
			nonce: postNonce(party.id, 'beat:meeting'),
			claimedAt: NOW,
			late: true,
			messageId: null,
			lostAt: null,
		});
		expect(claim!.nonce.length).toBeLessThanOrEqual(25);
		expect(store.claim(party.id, beatKey('meeting'), NOW + 1, false)).toBeUndefined();
		expect(store.get(party.id)?.timeline.posted).toEqual(['meeting']);
		expect(store.reclaim(party.id, claim!)).toBe(true);
		expect(store.reclaim(party.id, claim!)).toBe(true);
		// A retry keeps the first send's time: Discord's nonce window runs from there.
		expect(store.posts(party.id)[0]).toMatchObject({ claimedAt: NOW, messageId: null });
		store.recordSent(party.id, 'beat:meeting', 'msg');
		expect(store.reclaim(party.id, claim!)).toBe(false);
		expect(store.posts(party.id)[0]).toMatchObject({ claimedAt: NOW, messageId: 'msg', late: true });
	});

	test('Given an unconfirmed beat past the nonce window, then it restarts late with a new first-send time, or is given up as lost for good', () => {
		const { store, reserve } = setup();
		const { party } = reserve();
		store.claim(party.id, beatKey('meeting'), NOW, false);
		store.claim(party.id, beatKey('goodbye'), NOW, false);
		expect(store.restartClaim(party.id, beatKey('meeting'), NOW + 5 * MINUTE_MS)).toMatchObject({
			claimedAt: NOW + 5 * MINUTE_MS,
			late: true,
			nonce: postNonce(party.id, beatKey('meeting')),
		});
		store.markLost(party.id, beatKey('goodbye'), NOW + 5 * MINUTE_MS);
		const lost = store.posts(party.id).find((post) => post.key === beatKey('goodbye'))!;
		expect(lost).toMatchObject({ lostAt: NOW + 5 * MINUTE_MS, messageId: null });
		expect(store.reclaim(party.id, lost)).toBe(false);
		expect(store.restartClaim(party.id, beatKey('goodbye'), NOW + 6 * MINUTE_MS)).toBeUndefined();
		expect(store.get(party.id)?.timeline.posted.toSorted()).toEqual(['goodbye', 'meeting']);
	});

	test('Given a party paused before pauses had a limit (nothing due stored), then opening the store makes it due at the limit', () => {
		const { db, store, reserve, messages } = setup();
		const { party } = reserve();
		store.activate(party.id, messages, NOW);
		store.updateClock(party.id, NOW + MINUTE_MS, (timeline) => pause(timeline, NOW + MINUTE_MS));
		db.prepare('UPDATE watch_parties SET next_due_at = NULL WHERE id = ?').run(party.id);
		const reopened = new WatchPartyStore(db, plan);
		expect(reopened.due(NOW + MINUTE_MS + PAUSE_LIMIT_MS - 1, ['g1'])).toEqual([]);
		expect(reopened.due(NOW + MINUTE_MS + PAUSE_LIMIT_MS, ['g1']).map((due) => due.id)).toEqual([party.id]);
	});

	test('Given join twice and leave, then each member is listed once, in the order they joined', () => {
		const { store, reserve } = setup();
		const { party } = reserve();
		expect(store.join(party.id, 'guest', NOW + 1)).toBe(true);
		expect(store.join(party.id, 'guest', NOW + 2)).toBe(false);
		expect(store.members(party.id)).toEqual(['host', 'guest']);
		expect(store.leave(party.id, 'host')).toBe(true);
		expect(store.leave(party.id, 'host')).toBe(false);
		expect(store.members(party.id)).toEqual(['guest']);
	});
});
