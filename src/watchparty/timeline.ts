/**
 * The watch-party clock, as plain data and pure functions of `now` (epoch milliseconds).
 *
 * The group presses play at `startAt` (after a 3…2…1 countdown), at film position `filmOffsetMs`.
 * From then on the film position is the wall time elapsed since the start, minus the time spent
 * paused, plus the offset; a seek or `next` moves the offset, so every later beat is re-timed at once.
 * Beats are due when the position reaches their minute; each is handled (posted or skipped) once.
 */

/** The part of the watch-party plan the clock needs. */
export interface TimelineBeat {
	readonly id: string;
	readonly minute: number;
}

export interface TimelinePlan {
	readonly beats: readonly TimelineBeat[];
	readonly runtimeMinutes: number;
}

/** What the countdown message shows: seconds left (3, 2, 1) or 0 for "press play". */
export type CountdownStep = 3 | 2 | 1 | 0;
export const COUNTDOWN_STEPS: readonly CountdownStep[] = [3, 2, 1, 0];

export interface Timeline {
	/** Wall time of "press play", before any pause; pauses push the real start back (see `effectiveStartAt`). */
	readonly startAt: number;
	/** Film position at the start, moved by seeks so that `filmPositionMs` is right after them. */
	readonly filmOffsetMs: number;
	/** Set while paused. */
	readonly pausedAt: number | null;
	/** Time spent paused in completed pauses. */
	readonly pausedTotalMs: number;
	/** Beats already posted (or being posted), by id. */
	readonly posted: readonly string[];
	/** Beats the group jumped over (`at` or a seek forward): never posted. */
	readonly skipped: readonly string[];
	/** The last countdown step shown; null while the countdown message still shows the start time. */
	readonly countdownShown: CountdownStep | null;
	readonly endedAt: number | null;
}

export const MINUTE_MS = 60_000;
/** With `in` 0 the group still gets a moment to open the thread before the countdown. */
export const MIN_LEAD_MS = 10_000;
/** A beat posted more than this after it fell due (the bot was down) is marked late. */
export const LATE_AFTER_MS = 60_000;
/** The wrap-up follows the last beat after this much film time. */
export const WRAP_UP_AFTER_LAST_BEAT_MS = 5 * MINUTE_MS;
/** The Scheduled Event lasts at least this long, even for a party that starts near the end of the film. */
export const MIN_EVENT_MS = 10 * MINUTE_MS;
/**
 * A party whose film ended (its wrap-up fell due) longer ago than this when the engine next sees it
 * (the bot was offline, or out of the guild) is closed at once instead of replaying its missed beats.
 */
export const STALE_AFTER_MS = 30 * MINUTE_MS;
/**
 * A party paused this long is ended: nobody is coming back to it, and it would hold its channel
 * forever. Generous on purpose: a break mid-film (dinner, a walk) lasts an hour or two; after six
 * hours the evening is over.
 */
export const PAUSE_LIMIT_MS = 6 * 60 * MINUTE_MS;

export interface StartOptions {
	readonly now: number;
	/** Minutes until the start; 0 means now (after a short lead for the countdown). */
	readonly inMinutes?: number;
	/** The film minute the group is already at (joining a viewing in progress). */
	readonly atMinute?: number;
}

export function startTimeline(plan: TimelinePlan, { now, inMinutes = 0, atMinute = 0 }: StartOptions): Timeline {
	const filmOffsetMs = atMinute * MINUTE_MS;
	return {
		startAt: now + Math.max(inMinutes * MINUTE_MS, MIN_LEAD_MS),
		filmOffsetMs,
		pausedAt: null,
		pausedTotalMs: 0,
		posted: [],
		skipped: sortedBeats(plan)
			.filter((beat) => beat.minute * MINUTE_MS < filmOffsetMs)
			.map((beat) => beat.id),
		countdownShown: null,
		endedAt: null,
	};
}

/** When "press play" happens (or happened), given the pauses so far; while paused it keeps moving. */
export function effectiveStartAt(timeline: Timeline, now: number): number {
	const ongoingPause = timeline.pausedAt === null ? 0 : Math.max(0, now - timeline.pausedAt);
	return timeline.startAt + timeline.pausedTotalMs + ongoingPause;
}

/** Wall time spent playing since the start (negative during the countdown), frozen while paused or ended. */
function playedMs(timeline: Timeline, now: number): number {
	const clock = timeline.pausedAt ?? timeline.endedAt ?? now;
	return clock - timeline.startAt - timeline.pausedTotalMs;
}

/** Where in the film the group is at `now`, in milliseconds. */
export function filmPositionMs(timeline: Timeline, now: number): number {
	return timeline.filmOffsetMs + Math.max(0, playedMs(timeline, now));
}

/** Wall time at which the film reaches `positionMs` if nobody touches the controls. */
export function wallTimeAt(timeline: Timeline, positionMs: number, now: number): number {
	return effectiveStartAt(timeline, now) + Math.max(0, positionMs - timeline.filmOffsetMs);
}

export type Phase = 'countdown' | 'playing' | 'paused' | 'ended';

export function phaseAt(timeline: Timeline, now: number): Phase {
	if (timeline.endedAt !== null) return 'ended';
	if (timeline.pausedAt !== null) return 'paused';
	return now < effectiveStartAt(timeline, now) ? 'countdown' : 'playing';
}

/** The step the countdown message should show at `now`: null (still waiting), 3, 2, 1, then 0 for good. */
export function countdownStepAt(timeline: Timeline, now: number): CountdownStep | null {
	if (timeline.countdownShown === 0) return 0;
	const secondsLeft = Math.ceil((effectiveStartAt(timeline, now) - now) / 1000);
	if (secondsLeft <= 0) return 0;
	if (secondsLeft > 3) return timeline.countdownShown;
	// A pause during the countdown never makes it count back up.
	const step = secondsLeft as CountdownStep;
	return timeline.countdownShown !== null && timeline.countdownShown < step ? timeline.countdownShown : step;
}

export function sortedBeats<B extends TimelineBeat>(plan: { readonly beats: readonly B[] }): B[] {
	return [...plan.beats].sort((a, b) => a.minute - b.minute);
}

function handled(timeline: Timeline): Set<string> {
	return new Set([...timeline.posted, ...timeline.skipped]);
}

export interface DueBeat<B extends TimelineBeat = TimelineBeat> {
	readonly beat: B;
	/** Wall time the beat fell due (estimated from the position while paused). */
	readonly dueAt: number;
	/** Fell due more than `LATE_AFTER_MS` ago, e.g. while the bot was down. */
	readonly late: boolean;
}

/** Beats whose minute the film has reached and which were neither posted nor skipped, in film order. */
export function dueBeats<B extends TimelineBeat>(
	timeline: Timeline,
	plan: { readonly beats: readonly B[] },
	now: number,
): DueBeat<B>[] {
	// Nothing falls due before "press play", not even a beat at the very minute the group starts from.
	if (timeline.endedAt !== null || playedMs(timeline, now) < 0) return [];
	const done = handled(timeline);
	const position = filmPositionMs(timeline, now);
	// The position stands still while paused, so a beat reached before the pause fell due before it.
	const clock = timeline.pausedAt ?? now;
	return sortedBeats(plan)
		.filter((beat) => !done.has(beat.id) && beat.minute * MINUTE_MS <= position)
		.map((beat) => {
			const dueAt = Math.max(effectiveStartAt(timeline, now), clock - (position - beat.minute * MINUTE_MS));
			return { beat, dueAt, late: now - dueAt > LATE_AFTER_MS };
		});
}

/** Film position at which the wrap-up is posted. */
export function wrapUpPositionMs(plan: TimelinePlan): number {
	const last = Math.max(0, ...plan.beats.map((beat) => beat.minute));
	return last * MINUTE_MS + WRAP_UP_AFTER_LAST_BEAT_MS;
}

export function wrapUpDue(timeline: Timeline, plan: TimelinePlan, now: number): boolean {
	return (
		timeline.endedAt === null && playedMs(timeline, now) >= 0 && filmPositionMs(timeline, now) >= wrapUpPositionMs(plan)
	);
}

/**
 * The earliest wall time at which something changes (a countdown step, a beat, the wrap-up; while
 * paused, the end of `PAUSE_LIMIT_MS`), so the engine only looks at a party when it has work; null
 * after the end. May be <= now.
 */
export function nextDueAt(timeline: Timeline, plan: TimelinePlan, now: number): number | null {
	if (timeline.endedAt !== null) return null;
	if (timeline.pausedAt !== null) return timeline.pausedAt + PAUSE_LIMIT_MS;
	const start = effectiveStartAt(timeline, now);
	const candidates: number[] = [];
	if (timeline.countdownShown !== 0) {
		const shown = timeline.countdownShown;
		const nextStep = COUNTDOWN_STEPS.find((step) => shown === null || step < shown);
		if (nextStep !== undefined) candidates.push(start - nextStep * 1000);
	}
	const done = handled(timeline);
	const nextBeat = sortedBeats(plan).find((beat) => !done.has(beat.id));
	if (nextBeat) candidates.push(wallTimeAt(timeline, nextBeat.minute * MINUTE_MS, now));
	candidates.push(wallTimeAt(timeline, wrapUpPositionMs(plan), now));
	return Math.min(...candidates);
}

/** Wall time at which the film ends (the wrap-up falls due) if nobody touches the controls. */
export function filmEndsAt(timeline: Timeline, plan: TimelinePlan, now: number): number {
	return wallTimeAt(timeline, wrapUpPositionMs(plan), now);
}

/**
 * When the film ended, if it ended more than `STALE_AFTER_MS` before `now` while the party still runs:
 * nobody is watching any more, so its missed beats are not worth posting. Null otherwise (a paused
 * party waits for its host).
 */
export function staleSince(timeline: Timeline, plan: TimelinePlan, now: number): number | null {
	if (timeline.endedAt !== null || timeline.pausedAt !== null) return null;
	const endsAt = filmEndsAt(timeline, plan, now);
	return now - endsAt > STALE_AFTER_MS ? endsAt : null;
}

/**
 * When the pause began, if the party has been paused for `PAUSE_LIMIT_MS` or longer at `now`: the host
 * never came back, so the party ends (dated when the pause began). Null otherwise.
 */
export function pausedTooLongSince(timeline: Timeline, now: number): number | null {
	if (timeline.endedAt !== null || timeline.pausedAt === null) return null;
	return now - timeline.pausedAt >= PAUSE_LIMIT_MS ? timeline.pausedAt : null;
}

/** When the party's Scheduled Event starts and ends. */
export interface EventWindow {
	readonly startAt: number;
	readonly endAt: number;
}

/**
 * The Scheduled Event's window while the film has not started: from press play to the end of the
 * film from the starting minute. Null once the group pressed play (the event is then active) or ended.
 */
export function eventWindow(timeline: Timeline, plan: TimelinePlan, now: number): EventWindow | null {
	if (timeline.endedAt !== null || timeline.countdownShown === 0 || phaseAt(timeline, now) === 'playing') return null;
	const startAt = effectiveStartAt(timeline, now);
	const remainingMs = plan.runtimeMinutes * MINUTE_MS - timeline.filmOffsetMs;
	return { startAt, endAt: startAt + Math.max(remainingMs, MIN_EVENT_MS) };
}

export function pause(timeline: Timeline, now: number): Timeline {
	if (timeline.endedAt !== null || timeline.pausedAt !== null) return timeline;
	return { ...timeline, pausedAt: now };
}

export function resume(timeline: Timeline, now: number): Timeline {
	if (timeline.endedAt !== null || timeline.pausedAt === null) return timeline;
	return { ...timeline, pausedAt: null, pausedTotalMs: timeline.pausedTotalMs + Math.max(0, now - timeline.pausedAt) };
}

/**
 * The group jumps to `minute`: later beats are re-timed from there, beats jumped over are skipped.
 * A beat at exactly `minute` falls due now. Going back never posts a beat twice.
 */
export function seek(timeline: Timeline, plan: TimelinePlan, minute: number, now: number): Timeline {
	if (timeline.endedAt !== null) return timeline;
	const target = minute * MINUTE_MS;
	const done = handled(timeline);
	const jumpedOver = sortedBeats(plan)
		.filter((beat) => !done.has(beat.id) && beat.minute * MINUTE_MS < target)
		.map((beat) => beat.id);
	return {
		...timeline,
		filmOffsetMs: target - Math.max(0, playedMs(timeline, now)),
		skipped: [...timeline.skipped, ...jumpedOver],
	};
}

export type NextTarget = { readonly kind: 'beat'; readonly beat: TimelineBeat } | { readonly kind: 'wrap-up' };

/** What `next` will bring up: the next beat not yet handled, or the wrap-up after the last one. */
export function nextTarget(timeline: Timeline, plan: TimelinePlan): NextTarget {
	const done = handled(timeline);
	const beat = sortedBeats(plan).find((candidate) => !done.has(candidate.id));
	return beat ? { kind: 'beat', beat } : { kind: 'wrap-up' };
}

/**
 * "Next": the next beat falls due now and the rest are re-timed from its minute; after the last
 * beat it brings the wrap-up forward. Never moves the film backwards.
 */
export function next(timeline: Timeline, plan: TimelinePlan, now: number): Timeline {
	if (timeline.endedAt !== null) return timeline;
	const target = nextTarget(timeline, plan);
	const targetMs = target.kind === 'beat' ? target.beat.minute * MINUTE_MS : wrapUpPositionMs(plan);
	const position = filmPositionMs(timeline, now);
	const started = phaseAt(timeline, now) !== 'countdown' || timeline.pausedAt !== null;
	if (targetMs <= position && started) return timeline;
	// "Next" during the countdown means "we're playing now": the start moves to now (the engine then shows "press play").
	const base = started ? timeline : { ...timeline, startAt: now - timeline.pausedTotalMs };
	return seek(base, plan, targetMs / MINUTE_MS, now);
}

export function end(timeline: Timeline, now: number): Timeline {
	if (timeline.endedAt !== null) return timeline;
	const resumed = resume(timeline, now);
	return { ...resumed, endedAt: now };
}

export function markPosted(timeline: Timeline, beatId: string): Timeline {
	if (timeline.posted.includes(beatId)) return timeline;
	return { ...timeline, posted: [...timeline.posted, beatId] };
}

export function markCountdown(timeline: Timeline, step: CountdownStep): Timeline {
	return { ...timeline, countdownShown: step };
}

/** How long the party ran, from the start to the end (or now), pauses included. */
export function runDurationMs(timeline: Timeline, now: number): number {
	return Math.max(0, (timeline.endedAt ?? now) - timeline.startAt);
}
