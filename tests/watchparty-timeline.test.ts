import { describe, expect, test } from 'vitest';
import {
	LATE_AFTER_MS,
	MINUTE_MS,
	countdownStepAt,
	dueBeats,
	STALE_AFTER_MS,
	effectiveStartAt,
	end,
	eventWindow,
	filmPositionMs,
	markCountdown,
	markPosted,
	next,
	nextDueAt,
	PAUSE_LIMIT_MS,
	pause,
	pausedTooLongSince,
	phaseAt,
	resume,
	seek,
	staleSince,
	startTimeline,
	wrapUpDue,
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
		{ id: 'other-oses', minute: 95 },
	],
};

const T0 = Date.UTC(2025, 4, 1, 19, 0, 0);
const at = (minutes: number, seconds = 0) => T0 + minutes * MINUTE_MS + seconds * 1000;
const dueIds = (timeline: Timeline, now: number) => dueBeats(timeline, plan, now).map((due) => due.beat.id);

/** Posts whatever is due, as the engine does on each tick. */
function postDue(timeline: Timeline, now: number): Timeline {
	return dueBeats(timeline, plan, now).reduce((state, due) => markPosted(state, due.beat.id), timeline);
}

describe('start', () => {
	test('Given in 0, then play starts after a short lead and the film is at 0 until then', () => {
		const timeline = startTimeline(plan, { now: T0 });
		expect(timeline.startAt).toBe(T0 + 10_000);
		expect(phaseAt(timeline, T0)).toBe('countdown');
		expect(filmPositionMs(timeline, T0 + 5_000)).toBe(0);
		expect(filmPositionMs(timeline, T0 + 70_000)).toBe(60_000);
		expect(phaseAt(timeline, T0 + 70_000)).toBe('playing');
	});

	test('Given in 30, then nothing is due before the start and the first beat falls due 12 minutes after it', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 30 });
		expect(timeline.startAt).toBe(at(30));
		expect(dueIds(timeline, at(29))).toEqual([]);
		expect(dueIds(timeline, at(41, 59))).toEqual([]);
		expect(dueIds(timeline, at(42))).toEqual(['meeting-samantha']);
	});

	test('Given at 40, then the beats before minute 40 are skipped and the next one is timed from 40', () => {
		const timeline = startTimeline(plan, { now: T0, atMinute: 40 });
		expect(timeline.skipped).toEqual(['meeting-samantha', 'falling']);
		expect(filmPositionMs(timeline, timeline.startAt)).toBe(40 * MINUTE_MS);
		expect(nextDueAt(markCountdown(timeline, 0), plan, timeline.startAt)).toBe(timeline.startAt + 55 * MINUTE_MS);
		expect(dueIds(timeline, timeline.startAt + 55 * MINUTE_MS)).toEqual(['other-oses']);
	});
});

describe('before press play', () => {
	test('Given at the very minute of a beat, then that beat falls due at the start, not during the countdown', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 5, atMinute: 35 });
		expect(timeline.skipped).toEqual(['meeting-samantha']);
		expect(dueIds(timeline, at(4, 59))).toEqual([]);
		expect(nextDueAt(markCountdown(timeline, 0), plan, T0)).toBe(at(5));
		expect(dueIds(timeline, at(5))).toEqual(['falling']);
	});

	test('Given at the last minute of the film, then the wrap-up waits for the start', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 5, atMinute: 126 });
		expect(wrapUpDue(timeline, plan, at(4))).toBe(false);
		expect(wrapUpDue(timeline, plan, at(5))).toBe(true);
	});

	test('Given a pause during the countdown, then nothing falls due however long it lasts', () => {
		const timeline = pause(startTimeline(plan, { now: T0, inMinutes: 1, atMinute: 12 }), at(0, 30));
		expect(dueIds(timeline, at(60))).toEqual([]);
	});
});

describe('countdown', () => {
	test('Given a start in 1 minute, then the message shows the wait, then 3, 2, 1 and press play, one step per second', () => {
		let timeline = startTimeline(plan, { now: T0, inMinutes: 1 });
		expect(countdownStepAt(timeline, at(0, 56))).toBeNull();
		expect(nextDueAt(timeline, plan, T0)).toBe(at(0, 57));
		expect(countdownStepAt(timeline, at(0, 57))).toBe(3);
		timeline = markCountdown(timeline, 3);
		expect(nextDueAt(timeline, plan, at(0, 57))).toBe(at(0, 58));
		expect(countdownStepAt(timeline, at(0, 58) + 500)).toBe(2);
		expect(countdownStepAt(timeline, at(0, 59))).toBe(1);
		expect(countdownStepAt(timeline, at(1))).toBe(0);
		timeline = markCountdown(timeline, 0);
		expect(nextDueAt(timeline, plan, at(1))).toBe(at(13));
	});

	test('Given the bot was down through the countdown, then the next step shown is press play, not 3', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 1 });
		expect(countdownStepAt(timeline, at(5))).toBe(0);
	});

	test('Given a pause at 2 seconds left, then the countdown holds and carries on from 2 after the resume', () => {
		let timeline = markCountdown(startTimeline(plan, { now: T0, inMinutes: 1 }), 2);
		timeline = pause(timeline, at(0, 58));
		expect(phaseAt(timeline, at(3))).toBe('paused');
		expect(nextDueAt(timeline, plan, at(3))).toBe(at(0, 58) + PAUSE_LIMIT_MS);
		expect(countdownStepAt(timeline, at(3))).toBe(2);
		timeline = resume(timeline, at(4));
		expect(effectiveStartAt(timeline, at(4))).toBe(at(4, 2));
		expect(countdownStepAt(timeline, at(4, 1))).toBe(1);
		expect(countdownStepAt(timeline, at(4, 2))).toBe(0);
	});
});

describe('pause and resume', () => {
	test('Given a 10-minute pause at minute 20, then every later beat falls due 10 minutes later', () => {
		let timeline = postDue(markCountdown(startTimeline(plan, { now: T0, inMinutes: 0 }), 0), at(30));
		const start = timeline.startAt;
		timeline = pause(timeline, start + 20 * MINUTE_MS);
		expect(filmPositionMs(timeline, start + 29 * MINUTE_MS)).toBe(20 * MINUTE_MS);
		expect(dueIds(timeline, start + 40 * MINUTE_MS)).toEqual([]);
		timeline = resume(timeline, start + 30 * MINUTE_MS);
		expect(filmPositionMs(timeline, start + 30 * MINUTE_MS)).toBe(20 * MINUTE_MS);
		expect(nextDueAt(timeline, plan, start + 30 * MINUTE_MS)).toBe(start + 45 * MINUTE_MS);
		expect(dueIds(timeline, start + 44 * MINUTE_MS)).toEqual([]);
		expect(dueIds(timeline, start + 45 * MINUTE_MS)).toEqual(['falling']);
	});

	test('Given pause twice or resume while playing, then nothing changes', () => {
		const playing = startTimeline(plan, { now: T0 });
		const paused = pause(playing, at(20));
		expect(pause(paused, at(25))).toBe(paused);
		expect(resume(playing, at(25))).toBe(playing);
	});
});

describe('seek', () => {
	test('Given a seek forward from 20 to 100, then the beats in between are skipped, not posted', () => {
		let timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const start = timeline.startAt;
		timeline = postDue(timeline, start + 20 * MINUTE_MS);
		timeline = seek(timeline, plan, 100, start + 20 * MINUTE_MS);
		expect(timeline.posted).toEqual(['meeting-samantha']);
		expect(timeline.skipped).toEqual(['falling', 'other-oses']);
		expect(filmPositionMs(timeline, start + 21 * MINUTE_MS)).toBe(101 * MINUTE_MS);
		expect(dueIds(timeline, start + 37 * MINUTE_MS)).toEqual([]);
		expect(dueIds(timeline, start + 38 * MINUTE_MS)).toEqual(['rooftop']);
	});

	test('Given a seek back to minute 5 after the first beat, then the first beat is not posted again', () => {
		let timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const start = timeline.startAt;
		timeline = postDue(timeline, start + 20 * MINUTE_MS);
		timeline = seek(timeline, plan, 5, start + 20 * MINUTE_MS);
		expect(filmPositionMs(timeline, start + 20 * MINUTE_MS)).toBe(5 * MINUTE_MS);
		expect(dueIds(timeline, start + 35 * MINUTE_MS)).toEqual([]);
		expect(dueIds(timeline, start + 50 * MINUTE_MS)).toEqual(['falling']);
	});

	test('Given a seek to a beat’s exact minute, then that beat falls due at once', () => {
		const timeline = seek(startTimeline(plan, { now: T0 }), plan, 35, at(20));
		expect(dueIds(timeline, at(20))).toEqual(['falling']);
		expect(timeline.skipped).toEqual(['meeting-samantha']);
	});

	test('Given a seek while paused, then the film stays paused at the new minute', () => {
		let timeline = pause(startTimeline(plan, { now: T0 }), at(20));
		timeline = seek(timeline, plan, 50, at(21));
		expect(filmPositionMs(timeline, at(30))).toBe(50 * MINUTE_MS);
		expect(phaseAt(timeline, at(30))).toBe('paused');
	});
});

describe('next', () => {
	test('Given minute 20, then next makes the minute-35 beat due now and re-times the rest from 35', () => {
		let timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const start = timeline.startAt;
		timeline = postDue(timeline, start + 20 * MINUTE_MS);
		timeline = next(timeline, plan, start + 20 * MINUTE_MS);
		const due = dueBeats(timeline, plan, start + 20 * MINUTE_MS);
		expect(due.map((d) => [d.beat.id, d.late])).toEqual([['falling', false]]);
		timeline = markPosted(timeline, 'falling');
		expect(nextDueAt(timeline, plan, start + 20 * MINUTE_MS)).toBe(start + 80 * MINUTE_MS);
	});

	test('Given the countdown still running, then next starts the film now at the first beat', () => {
		const timeline = next(startTimeline(plan, { now: T0, inMinutes: 30 }), plan, at(5));
		expect(phaseAt(timeline, at(5))).toBe('playing');
		expect(countdownStepAt(timeline, at(5))).toBe(0);
		expect(dueIds(timeline, at(5))).toEqual(['meeting-samantha']);
	});

	test('Given every beat handled, then next brings the wrap-up forward to now', () => {
		let timeline = startTimeline(plan, { now: T0, atMinute: 119 });
		timeline = markCountdown(timeline, 0);
		const start = timeline.startAt;
		expect(wrapUpDue(timeline, plan, start + MINUTE_MS)).toBe(false);
		timeline = next(timeline, plan, start + MINUTE_MS);
		expect(wrapUpDue(timeline, plan, start + MINUTE_MS)).toBe(true);
	});
});

describe('end', () => {
	test('Given the last beat plus five minutes, then the wrap-up is due', () => {
		const timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		expect(wrapUpPositionMs(plan)).toBe(123 * MINUTE_MS);
		expect(wrapUpDue(timeline, plan, timeline.startAt + 122 * MINUTE_MS)).toBe(false);
		expect(wrapUpDue(timeline, plan, timeline.startAt + 123 * MINUTE_MS)).toBe(true);
	});

	test('Given an ended party, then nothing is ever due again', () => {
		const timeline = end(startTimeline(plan, { now: T0 }), at(20));
		expect(phaseAt(timeline, at(200))).toBe('ended');
		expect(dueBeats(timeline, plan, at(200))).toEqual([]);
		expect(wrapUpDue(timeline, plan, at(200))).toBe(false);
		expect(nextDueAt(timeline, plan, at(200))).toBeNull();
		expect(filmPositionMs(timeline, at(200))).toBe(filmPositionMs(timeline, at(20)));
	});

	test('Given a party ended while paused, then the pause counts as finished', () => {
		const timeline = end(pause(startTimeline(plan, { now: T0 }), at(20)), at(25));
		expect(timeline.pausedAt).toBeNull();
		expect(timeline.endedAt).toBe(at(25));
	});
});

describe('restart', () => {
	test('Given the bot was down from minute 10 to minute 50, then the two beats missed are due once, marked late', () => {
		let timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const start = timeline.startAt;
		timeline = postDue(timeline, start + 10 * MINUTE_MS);
		expect(timeline.posted).toEqual([]);
		// Stored state is all the process had; after the restart it reads the same value at a later now.
		const restored: Timeline = JSON.parse(JSON.stringify(timeline));
		const due = dueBeats(restored, plan, start + 50 * MINUTE_MS);
		expect(due.map((d) => [d.beat.id, d.late, d.dueAt])).toEqual([
			['meeting-samantha', true, start + 12 * MINUTE_MS],
			['falling', true, start + 35 * MINUTE_MS],
		]);
		const after = postDue(restored, start + 50 * MINUTE_MS);
		expect(dueIds(after, start + 50 * MINUTE_MS)).toEqual([]);
		expect(nextDueAt(after, plan, start + 50 * MINUTE_MS)).toBe(start + 95 * MINUTE_MS);
	});

	test('Given a beat posted a few seconds after it fell due, then it is not late', () => {
		const timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const due = dueBeats(timeline, plan, timeline.startAt + 12 * MINUTE_MS + LATE_AFTER_MS - 1);
		expect(due.map((d) => d.late)).toEqual([false]);
	});

	test('Given a restart mid-pause, then the film is still paused where it was', () => {
		const timeline = pause(markCountdown(startTimeline(plan, { now: T0 }), 0), at(30));
		const restored: Timeline = JSON.parse(JSON.stringify(timeline));
		expect(filmPositionMs(restored, at(90))).toBe(filmPositionMs(timeline, at(30)));
		expect(nextDueAt(restored, plan, at(90))).toBe(at(30) + PAUSE_LIMIT_MS);
	});
});

describe('the scheduled event', () => {
	test('Given in 30, then the event runs from press play to the end of the film', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 30 });
		expect(eventWindow(timeline, plan, T0)).toEqual({ startAt: at(30), endAt: at(30 + 126) });
	});

	test('Given a pause of 10 minutes before the start, then the event starts 10 minutes later once resumed', () => {
		const paused = pause(startTimeline(plan, { now: T0, inMinutes: 30 }), at(5));
		expect(eventWindow(paused, plan, at(5))).toEqual({ startAt: at(30), endAt: at(156) });
		const resumed = resume(paused, at(15));
		expect(eventWindow(resumed, plan, at(15))).toEqual({ startAt: at(40), endAt: at(166) });
	});

	test('Given a seek to 100 before the start, then the event keeps its start and ends with the film', () => {
		const timeline = seek(startTimeline(plan, { now: T0, inMinutes: 30 }), plan, 100, at(5));
		expect(eventWindow(timeline, plan, at(5))).toEqual({ startAt: at(30), endAt: at(56) });
		const nearTheEnd = seek(timeline, plan, 124, at(6));
		expect(eventWindow(nearTheEnd, plan, at(6))).toEqual({ startAt: at(30), endAt: at(40) });
	});

	test('Given next during the countdown or a film already playing, then there is no window to move', () => {
		const timeline = startTimeline(plan, { now: T0, inMinutes: 30 });
		expect(eventWindow(next(timeline, plan, at(5)), plan, at(5))).toBeNull();
		expect(eventWindow(timeline, plan, at(31))).toBeNull();
		expect(eventWindow(end(timeline, at(5)), plan, at(5))).toBeNull();
	});
});

describe('a party the bot comes back to long after', () => {
	test('Given the film ended less than the grace period ago, then the party is not stale: late beats and the wrap-up still come', () => {
		const timeline = markCountdown(startTimeline(plan, { now: T0 }), 0);
		const filmEnd = timeline.startAt + wrapUpPositionMs(plan);
		expect(staleSince(timeline, plan, filmEnd + STALE_AFTER_MS)).toBeNull();
		expect(wrapUpDue(timeline, plan, filmEnd + STALE_AFTER_MS)).toBe(true);
	});

	test('Given the film ended hours ago, then the party is stale since the film ended, pauses included', () => {
		let timeline = startTimeline(plan, { now: T0, inMinutes: 30 });
		timeline = resume(pause(timeline, at(40)), at(60));
		const filmEnd = at(30 + 20) + wrapUpPositionMs(plan);
		expect(staleSince(timeline, plan, filmEnd + STALE_AFTER_MS + 1)).toBe(filmEnd);
		expect(staleSince(timeline, plan, at(600))).toBe(filmEnd);
	});

	test('Given a party paused for hours, or ended, then it is never stale: the pause limit decides', () => {
		const timeline = startTimeline(plan, { now: T0 });
		expect(staleSince(pause(timeline, at(20)), plan, at(600))).toBeNull();
		expect(staleSince(end(timeline, at(20)), plan, at(600))).toBeNull();
	});
});

describe('a pause nobody resumes', () => {
	const playing = () => markCountdown(startTimeline(plan, { now: T0 }), 0);

	test('Given a pause at minute 20, then the party is due to close exactly six hours later, not a moment before', () => {
		const timeline = pause(playing(), at(20));
		expect(PAUSE_LIMIT_MS).toBe(6 * 60 * MINUTE_MS);
		expect(nextDueAt(timeline, plan, at(21))).toBe(at(20) + PAUSE_LIMIT_MS);
		expect(pausedTooLongSince(timeline, at(20) + PAUSE_LIMIT_MS - 1)).toBeNull();
		expect(pausedTooLongSince(timeline, at(20) + PAUSE_LIMIT_MS)).toBe(at(20));
		expect(pausedTooLongSince(timeline, at(20) + 3 * PAUSE_LIMIT_MS)).toBe(at(20));
	});

	test('Given a pause during the countdown, then the limit counts from the pause as well', () => {
		const timeline = pause(startTimeline(plan, { now: T0, inMinutes: 30 }), at(5));
		expect(pausedTooLongSince(timeline, at(5) + PAUSE_LIMIT_MS)).toBe(at(5));
	});

	test('Given earlier pauses that were resumed, then only the current pause counts', () => {
		let timeline = resume(pause(playing(), at(10)), at(10) + PAUSE_LIMIT_MS - MINUTE_MS);
		expect(pausedTooLongSince(timeline, at(10) + 2 * PAUSE_LIMIT_MS)).toBeNull();
		timeline = pause(timeline, at(500));
		expect(pausedTooLongSince(timeline, at(500) + PAUSE_LIMIT_MS - 1)).toBeNull();
		expect(pausedTooLongSince(timeline, at(500) + PAUSE_LIMIT_MS)).toBe(at(500));
	});

	test('Given a playing or ended party, then the pause limit never applies', () => {
		expect(pausedTooLongSince(playing(), at(1000))).toBeNull();
		expect(pausedTooLongSince(end(pause(playing(), at(20)), at(30)), at(1000))).toBeNull();
		expect(nextDueAt(end(pause(playing(), at(20)), at(30)), plan, at(31))).toBeNull();
	});
});
