/**
 * What a watch party needs done at `now`, as a pure function of the party, its posts and the clock. The
 * engine executes the actions in order, re-reading the party before each, so a host's End or Pause
 * that lands mid-way stops the rest.
 */
import type { CountdownStep, TimelinePlan } from './timeline.js';
import { countdownStepAt, dueBeats, pausedTooLongSince, staleSince, wrapUpDue, type Timeline } from './timeline.js';

/**
 * Discord remembers a message nonce for a few minutes; an unconfirmed send is retried with its nonce only
 * this long after its first try. Later, a resend could show a second copy, so the thread is searched first.
 */
export const NONCE_RETRY_WINDOW_MS = 2 * 60_000;

/** A post claimed before it was sent; `messageId` is set once Discord confirmed it. */
export interface PlannedPost {
	readonly key: string;
	readonly claimedAt: number;
	readonly late: boolean;
	readonly messageId: string | null;
	/** Set when the bot gave up on it: unconfirmed and not to be found in the thread. */
	readonly lostAt: number | null;
}

export interface PlannerParty {
	readonly status: 'setup' | 'running' | 'ended';
	readonly timeline: Timeline;
}

export type PartyAction =
	/** The party is over without its film reaching the end: close it, dated `at`, with the wrap-up. */
	| { readonly kind: 'close'; readonly reason: 'paused-too-long' | 'finished-while-away'; readonly at: number }
	/** Show this countdown step (0: press play, and the Scheduled Event goes active). */
	| { readonly kind: 'countdown'; readonly step: CountdownStep }
	/** An unconfirmed beat inside the nonce window: send it again with its nonce (Discord drops a copy). */
	| { readonly kind: 'resend'; readonly beatId: string; readonly late: boolean }
	/** An unconfirmed beat past the nonce window: look for it in the thread, then send it late or record it lost. */
	| { readonly kind: 'recover'; readonly beatId: string; readonly claimedAt: number }
	/** A beat the film reached: claim it and post it (`late` when it fell due a while ago). */
	| { readonly kind: 'beat'; readonly beatId: string; readonly late: boolean; readonly dueAt: number }
	/** The film is over: close the party as finished and post the wrap-up. */
	| { readonly kind: 'wrap-up' };

const BEAT_PREFIX = 'beat:';

/** Whether an action puts something new in the thread (and so must not happen while paused or after End). */
export const postsInThread = (action: PartyAction): boolean =>
	action.kind === 'resend' || action.kind === 'recover' || action.kind === 'beat';

/**
 * The actions due for `party` at `now`, in the order to take them; none for a party that is not running or
 * is paused (nothing is posted while paused, not even a retry). A party back long after its film ended,
 * or paused for hours, only closes.
 */
export function planParty(
	plan: TimelinePlan,
	party: PlannerParty,
	partyPosts: readonly PlannedPost[],
	now: number,
): PartyAction[] {
	if (party.status !== 'running') return [];
	const { timeline } = party;
	const pausedSince = pausedTooLongSince(timeline, now);
	if (pausedSince !== null) return [{ kind: 'close', reason: 'paused-too-long', at: pausedSince }];
	if (timeline.pausedAt !== null) return [];
	const filmEndedAt = staleSince(timeline, plan, now);
	if (filmEndedAt !== null) return [{ kind: 'close', reason: 'finished-while-away', at: filmEndedAt }];

	const actions: PartyAction[] = [];
	const step = countdownStepAt(timeline, now);
	if (step !== null && step !== timeline.countdownShown) actions.push({ kind: 'countdown', step });
	for (const post of partyPosts) {
		if (!post.key.startsWith(BEAT_PREFIX) || post.messageId !== null || post.lostAt !== null) continue;
		const beatId = post.key.slice(BEAT_PREFIX.length);
		if (!plan.beats.some((beat) => beat.id === beatId)) continue;
		actions.push(
			now - post.claimedAt <= NONCE_RETRY_WINDOW_MS
				? { kind: 'resend', beatId, late: post.late }
				: { kind: 'recover', beatId, claimedAt: post.claimedAt },
		);
	}
	for (const due of dueBeats(timeline, plan, now)) {
		actions.push({ kind: 'beat', beatId: due.beat.id, late: due.late, dueAt: due.dueAt });
	}
	if (wrapUpDue(timeline, plan, now)) actions.push({ kind: 'wrap-up' });
	return actions;
}
