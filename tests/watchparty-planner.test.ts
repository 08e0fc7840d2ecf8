import { describe, expect, test } from 'vitest';
import { NONCE_RETRY_WINDOW_MS, planParty, type PlannedPost, type PlannerParty } from '../src/watchparty/planner.js';
import {
	LATE_AFTER_MS,
	MINUTE_MS,
	PAUSE_LIMIT_MS,
	STALE_AFTER_MS,
	end,
	markCountdown,
	markPosted,
	pause,
	startTimeline,
	wrapUpPositionMs,
	type Timeline,
	type TimelinePlan,
} from '../src/watchparty/timeline.js';

const plan: TimelinePlan = {
	runtimeMinutes: 126,
	beats: [
		{ id: 'rooftop', minute: 118 },
		{ id: 'meeting-samantha', minute: 12 },
		{ id: 'falling', minute: 35 },
	],
};

const T0 = Date.UTC(2025, 4, 1, 19, 0, 0);
/** Wall time `minutes` (and `seconds`) after press play of a party started at T0 with `in` 1. */
const film = (minutes: number, seconds = 0) => T0 + MINUTE_MS + minutes * MINUTE_MS + seconds * 1000;

const started = (): Timeline => markCountdown(startTimeline(plan, { now: T0, inMinutes: 1 }), 0);
const running = (timeline: Timeline): PlannerParty => ({ status: 'running', timeline });
const claimed = (beatId: string, claimedAt: number, more: Partial<PlannedPost> = {}): PlannedPost => ({
	key: `beat:${beatId}`,
	claimedAt,
	late: false,
	messageId: null,
	lostAt: null,
	...more,
});
/** The timeline as the store reads it back: a claimed beat counts as handled. */
const withClaims = (timeline: Timeline, posts: readonly PlannedPost[]) =>
	posts.reduce((state, post) => markPosted(state, post.key.slice('beat:'.length)), timeline);

describe('nothing to do', () => {
	test.each([
		{ status: 'setup' as const, what: 'a party still being set up' },
		{ status: 'ended' as const, what: 'an ended party' },
	])('Given $what, then nothing at all, whatever is due', ({ status }) => {
		expect(planParty(plan, { status, timeline: started() }, [], film(40))).toEqual([]);
	});

	test('Given a party the host ended, then nothing, not even a beat that was unconfirmed when End came', () => {
		const ended = end(started(), film(13));
		const posts = [claimed('meeting-samantha', film(12, 30))];
		expect(planParty(plan, { status: 'ended', timeline: ended }, posts, film(13, 10))).toEqual([]);
	});

	test('Given a paused party, then nothing: neither the due beat nor the retry of an unconfirmed one', () => {
		const posts = [claimed('meeting-samantha', film(12))];
		const paused = pause(withClaims(started(), posts), film(12, 10));
		expect(planParty(plan, running(paused), posts, film(13))).toEqual([]);
	});

	test('Given a party between beats, then nothing', () => {
		expect(planParty(plan, running(started()), [], film(5))).toEqual([]);
	});
});

describe('the countdown', () => {
	test.each([
		{ secondsBefore: 4, expected: [] },
		{ secondsBefore: 3, expected: [{ kind: 'countdown', step: 3 }] },
		{ secondsBefore: 1, expected: [{ kind: 'countdown', step: 1 }] },
		{ secondsBefore: 0, expected: [{ kind: 'countdown', step: 0 }] },
	])('Given $secondsBefore s before press play, then $expected', ({ secondsBefore, expected }) => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 1 });
		expect(planParty(plan, running(timeline), [], timeline.startAt - secondsBefore * 1000)).toEqual(expected);
	});

	test('Given a restart after step 2 was shown, with 1 s left, then step 1, never 3 or 2 again', () => {
		const timeline = markCountdown(startTimeline(plan, { now: T0, inMinutes: 1 }), 2);
		expect(planParty(plan, running(timeline), [], timeline.startAt - 1000)).toEqual([{ kind: 'countdown', step: 1 }]);
	});
});

describe('beats', () => {
	test('Given the film reaches a beat, then that beat, on time', () => {
		expect(planParty(plan, running(started()), [], film(12, 1))).toEqual([
			{ kind: 'beat', beatId: 'meeting-samantha', late: false, dueAt: film(12) },
		]);
	});

	test('Given the bot was away over two beats, then both, in film order, marked late', () => {
		expect(planParty(plan, running(started()), [], film(40))).toEqual([
			{ kind: 'beat', beatId: 'meeting-samantha', late: true, dueAt: film(12) },
			{ kind: 'beat', beatId: 'falling', late: true, dueAt: film(35) },
		]);
	});

	test('Given a beat posted and confirmed, then it is not planned again', () => {
		const posts = [claimed('meeting-samantha', film(12), { messageId: '1' })];
		expect(planParty(plan, running(withClaims(started(), posts)), posts, film(13))).toEqual([]);
	});

	test('Given a beat due a little over a minute ago, then it is late', () => {
		const [action] = planParty(plan, running(started()), [], film(12) + LATE_AFTER_MS + 1);
		expect(action).toMatchObject({ kind: 'beat', late: true });
	});
});

describe('a beat Discord never confirmed', () => {
	test('Given it was first sent inside the nonce window, then it is resent (same nonce), before what else is due', () => {
		const posts = [claimed('meeting-samantha', film(12), { late: true })];
		const now = film(12) + NONCE_RETRY_WINDOW_MS;
		expect(planParty(plan, running(withClaims(started(), posts)), posts, now)).toEqual([
			{ kind: 'resend', beatId: 'meeting-samantha', late: true },
		]);
	});

	test('Given its first send is past the nonce window, then it is looked for in the thread instead of resent', () => {
		const posts = [claimed('meeting-samantha', film(12))];
		const now = film(12) + NONCE_RETRY_WINDOW_MS + 1;
		expect(planParty(plan, running(withClaims(started(), posts)), posts, now)).toEqual([
			{ kind: 'recover', beatId: 'meeting-samantha', claimedAt: film(12) },
		]);
	});

	test('Given it was recorded as lost, then it is neither resent nor posted again', () => {
		const posts = [claimed('meeting-samantha', film(12), { lostAt: film(20) })];
		expect(planParty(plan, running(withClaims(started(), posts)), posts, film(21))).toEqual([]);
	});

	test('Given the wrap-up is unconfirmed, then the planner leaves it to the wrap-up retries', () => {
		const posts = [{ ...claimed('x', film(3)), key: 'wrap-up' }];
		expect(planParty(plan, running(started()), posts, film(5))).toEqual([]);
	});

	test('Given a claim for a beat no longer in the dataset, then it is ignored', () => {
		const posts = [claimed('retired-beat', film(3))];
		expect(planParty(plan, running(started()), posts, film(5))).toEqual([]);
	});
});

describe('the end of the film', () => {
	const wrapUpAt = film(wrapUpPositionMs(plan) / MINUTE_MS);

	test('Given every beat posted and the wrap-up position reached, then the wrap-up', () => {
		const posts = plan.beats.map((beat) => claimed(beat.id, film(beat.minute), { messageId: beat.id }));
		expect(planParty(plan, running(withClaims(started(), posts)), posts, wrapUpAt)).toEqual([{ kind: 'wrap-up' }]);
	});

	test('Given the bot is back 20 minutes after the film ended, then the missed beats come late, then the wrap-up', () => {
		const posts = [claimed('meeting-samantha', film(12), { messageId: '1' })];
		const actions = planParty(plan, running(withClaims(started(), posts)), posts, wrapUpAt + 20 * MINUTE_MS);
		expect(actions.map((action) => action.kind)).toEqual(['beat', 'beat', 'wrap-up']);
		expect(actions.slice(0, 2).every((action) => action.kind === 'beat' && action.late)).toBe(true);
	});

	test('Given the bot is back more than half an hour after the film ended, then the party only closes, dated when the film ended', () => {
		expect(planParty(plan, running(started()), [], wrapUpAt + STALE_AFTER_MS + 1)).toEqual([
			{ kind: 'close', reason: 'finished-while-away', at: wrapUpAt },
		]);
	});

	test('Given a pause of six hours, then the party only closes, dated when the pause began', () => {
		const paused = pause(started(), film(20));
		expect(planParty(plan, running(paused), [], film(20) + PAUSE_LIMIT_MS)).toEqual([
			{ kind: 'close', reason: 'paused-too-long', at: film(20) },
		]);
	});
});
