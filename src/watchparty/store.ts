import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import {
	PAUSE_LIMIT_MS,
	end as endTimeline,
	nextDueAt,
	type CountdownStep,
	type Timeline,
	type TimelinePlan,
} from './timeline.js';

export type PartyStatus = 'setup' | 'running' | 'ended';

/** Why a party ended; kept for operators and for the summary. */
export type EndReason =
	| 'finished'
	| 'finished-while-away'
	| 'paused-too-long'
	| 'ended-by-host'
	| 'channel-gone'
	| 'forbidden'
	| 'failed'
	| 'setup-failed';

export interface Party {
	readonly id: number;
	readonly guildId: string;
	readonly channelId: string;
	/** Where the party posts: its thread, or the channel itself where threads are not possible. */
	readonly threadId: string | null;
	readonly hostId: string;
	readonly title: string | null;
	readonly status: PartyStatus;
	readonly endReason: EndReason | null;
	readonly createdAt: number;
	readonly announceMessageId: string | null;
	readonly welcomeMessageId: string | null;
	readonly controlMessageId: string | null;
	readonly countdownMessageId: string | null;
	readonly eventId: string | null;
	/** Transient failures in a row; once ended, the failed tries to post the wrap-up. */
	readonly failures: number;
	readonly timeline: Timeline;
}

interface PartyRow {
	id: number;
	guild_id: string;
	channel_id: string;
	thread_id: string | null;
	host_id: string;
	title: string | null;
	status: PartyStatus;
	end_reason: EndReason | null;
	created_at: number;
	announce_message_id: string | null;
	welcome_message_id: string | null;
	control_message_id: string | null;
	countdown_message_id: string | null;
	event_id: string | null;
	start_at: number;
	film_offset_ms: number;
	paused_at: number | null;
	paused_total_ms: number;
	countdown_shown: number | null;
	ended_at: number | null;
	skipped: string;
	failures: number;
}

export interface PartyMessages {
	readonly threadId: string;
	readonly announceMessageId: string | null;
	readonly welcomeMessageId: string;
	readonly controlMessageId: string;
	readonly countdownMessageId: string;
}

export interface PostClaim {
	readonly key: string;
	readonly nonce: string;
	readonly claimedAt: number;
	readonly late: boolean;
	readonly messageId: string | null;
	/** Set when the engine gave up on it: unconfirmed past the nonce window and not found in the thread. */
	readonly lostAt: number | null;
}

export const WRAP_UP_KEY = 'wrap-up';
export const beatKey = (beatId: string): string => `beat:${beatId}`;

/** Discord's message nonce (at most 25 characters), the same for every retry of one post. */
export function postNonce(partyId: number, key: string): string {
	return createHash('sha256').update(`hfc:watchparty:${partyId}:${key}`).digest('base64url').slice(0, 25);
}

/**
 * Watch parties in SQLite. Every change of the clock is a read-modify-write inside one immediate
 * transaction that also recomputes `next_due_at`, so the engine's index is never stale and a host
 * pressing Pause while the engine posts a beat loses neither change.
 */
export class WatchPartyStore {
	private readonly statements;

	public constructor(
		private readonly db: Database,
		private readonly plan: TimelinePlan,
	) {
		this.statements = {
			insert: db.prepare<[string, string, string, string | null, number, number, number, string]>(
				`INSERT INTO watch_parties (guild_id, channel_id, host_id, title, status, created_at, start_at, film_offset_ms, skipped)
				 VALUES (?, ?, ?, ?, 'setup', ?, ?, ?, ?)`,
			),
			byId: db.prepare<[number], PartyRow>('SELECT * FROM watch_parties WHERE id = ?'),
			active: db.prepare<[string, string], PartyRow>(
				`SELECT * FROM watch_parties WHERE status <> 'ended' AND (channel_id = ? OR thread_id = ?) ORDER BY id LIMIT 1`,
			),
			due: db.prepare<[number, string], PartyRow>(
				`SELECT * FROM watch_parties WHERE status = 'running' AND next_due_at <= ?
				 AND guild_id IN (SELECT value FROM json_each(?)) ORDER BY next_due_at, id`,
			),
			// An ended party keeps a next_due_at only while its wrap-up waits for another try.
			wrapUpRetries: db.prepare<[number, string], PartyRow>(
				`SELECT * FROM watch_parties WHERE status = 'ended' AND next_due_at <= ?
				 AND guild_id IN (SELECT value FROM json_each(?)) ORDER BY next_due_at, id`,
			),
			scheduleWrapUpRetry: db.prepare<[number, number, number]>(
				`UPDATE watch_parties SET next_due_at = ?, failures = ? WHERE id = ? AND status = 'ended'`,
			),
			clearWrapUpRetry: db.prepare<[number]>(
				`UPDATE watch_parties SET next_due_at = NULL WHERE id = ? AND status = 'ended'`,
			),
			staleSetups: db.prepare<[number], { id: number }>(
				`SELECT id FROM watch_parties WHERE status = 'setup' AND created_at < ?`,
			),
			activate: db.prepare<[string, string | null, string, string, string, number]>(
				`UPDATE watch_parties SET status = 'running', thread_id = ?, announce_message_id = ?, welcome_message_id = ?,
				 control_message_id = ?, countdown_message_id = ? WHERE id = ? AND status = 'setup'`,
			),
			setEvent: db.prepare<[string, number]>('UPDATE watch_parties SET event_id = ? WHERE id = ?'),
			saveClock: db.prepare<
				[number, number, number | null, number, number | null, number | null, string, number | null, number]
			>(
				`UPDATE watch_parties SET start_at = ?, film_offset_ms = ?, paused_at = ?, paused_total_ms = ?,
				 countdown_shown = ?, ended_at = ?, skipped = ?, next_due_at = ? WHERE id = ?`,
			),
			setNextDue: db.prepare<[number | null, number]>(
				'UPDATE watch_parties SET next_due_at = ?, failures = 0 WHERE id = ?',
			),
			recordFailure: db.prepare<[number, number]>(
				'UPDATE watch_parties SET failures = failures + 1, next_due_at = ? WHERE id = ?',
			),
			end: db.prepare<[EndReason, number | null, number, number]>(
				`UPDATE watch_parties SET status = 'ended', end_reason = ?, paused_at = NULL, paused_total_ms = ?, ended_at = ?,
				 next_due_at = NULL WHERE id = ? AND status <> 'ended'`,
			),
			posts: db.prepare<
				[number],
				{
					post_key: string;
					nonce: string;
					claimed_at: number;
					late: number;
					message_id: string | null;
					lost_at: number | null;
				}
			>('SELECT * FROM watch_party_posts WHERE party_id = ? ORDER BY claimed_at, rowid'),
			claim: db.prepare<[number, string, string, number, number]>(
				'INSERT OR IGNORE INTO watch_party_posts (party_id, post_key, nonce, claimed_at, late) VALUES (?, ?, ?, ?, ?)',
			),
			unsent: db.prepare<[number, string], { found: number }>(
				`SELECT 1 AS found FROM watch_party_posts WHERE party_id = ? AND post_key = ? AND message_id IS NULL
				 AND lost_at IS NULL`,
			),
			restart: db.prepare<[number, number, string]>(
				`UPDATE watch_party_posts SET claimed_at = ?, late = 1 WHERE party_id = ? AND post_key = ?
				 AND message_id IS NULL AND lost_at IS NULL`,
			),
			lost: db.prepare<[number, number, string]>(
				`UPDATE watch_party_posts SET lost_at = ? WHERE party_id = ? AND post_key = ? AND message_id IS NULL`,
			),
			sent: db.prepare<[string, number, string]>(
				'UPDATE watch_party_posts SET message_id = ? WHERE party_id = ? AND post_key = ?',
			),
			join: db.prepare<[number, string, number]>(
				'INSERT OR IGNORE INTO watch_party_members (party_id, user_id, joined_at) VALUES (?, ?, ?)',
			),
			leave: db.prepare<[number, string]>('DELETE FROM watch_party_members WHERE party_id = ? AND user_id = ?'),
			members: db.prepare<[number], { user_id: string }>(
				'SELECT user_id FROM watch_party_members WHERE party_id = ? ORDER BY joined_at, rowid',
			),
		};
		// A party paused before pauses had a time limit has nothing due stored; it closes at the limit too.
		db.prepare<[number]>(
			`UPDATE watch_parties SET next_due_at = paused_at + ? WHERE status = 'running' AND next_due_at IS NULL
			 AND paused_at IS NOT NULL`,
		).run(PAUSE_LIMIT_MS);
	}

	/**
	 * Reserves the channel for a new party (status `setup`) and joins the host. If a party is already
	 * active there (or started a moment ago by someone else), returns that one instead.
	 */
	public reserve(input: {
		guildId: string;
		channelId: string;
		hostId: string;
		title: string | null;
		timeline: Timeline;
		now: number;
	}): { created: true; party: Party } | { created: false; party: Party } {
		return this.db
			.transaction(() => {
				const existing = this.activeFor(input.channelId);
				if (existing) return { created: false as const, party: existing };
				const { lastInsertRowid } = this.statements.insert.run(
					input.guildId,
					input.channelId,
					input.hostId,
					input.title,
					input.now,
					input.timeline.startAt,
					input.timeline.filmOffsetMs,
					JSON.stringify(input.timeline.skipped),
				);
				const id = Number(lastInsertRowid);
				this.statements.join.run(id, input.hostId, input.now);
				return { created: true as const, party: this.require(id) };
			})
			.immediate();
	}

	/** The party running (or being set up) in a channel, or in the party thread itself. */
	public activeFor(channelId: string): Party | undefined {
		const row = this.statements.active.get(channelId, channelId);
		return row && this.toParty(row);
	}

	public get(id: number): Party | undefined {
		const row = this.statements.byId.get(id);
		return row && this.toParty(row);
	}

	private require(id: number): Party {
		const party = this.get(id);
		if (!party) throw new Error(`watch party ${id} not found`);
		return party;
	}

	/** The setup is done: the messages exist and the engine takes over. */
	public activate(id: number, messages: PartyMessages, now: number): Party {
		return this.db
			.transaction(() => {
				this.statements.activate.run(
					messages.threadId,
					messages.announceMessageId,
					messages.welcomeMessageId,
					messages.controlMessageId,
					messages.countdownMessageId,
					id,
				);
				const party = this.require(id);
				if (party.status !== 'running') return party;
				this.statements.setNextDue.run(nextDueAt(party.timeline, this.plan, now), id);
				return this.require(id);
			})
			.immediate();
	}

	public setEvent(id: number, eventId: string): void {
		this.statements.setEvent.run(eventId, id);
	}

	/** Running parties with work due at `now` among `guildIds` (the guilds this process or shard serves), earliest first. */
	public due(now: number, guildIds: readonly string[]): Party[] {
		if (guildIds.length === 0) return [];
		return this.statements.due.all(now, JSON.stringify(guildIds)).map((row) => this.toParty(row));
	}

	/** Ended parties whose wrap-up failed for a passing reason and is due for another try, among `guildIds`. */
	public wrapUpRetriesDue(now: number, guildIds: readonly string[]): Party[] {
		if (guildIds.length === 0) return [];
		return this.statements.wrapUpRetries.all(now, JSON.stringify(guildIds)).map((row) => this.toParty(row));
	}

	/** The ended party's wrap-up failed its `attempts`-th try; try again at `retryAt`. */
	public scheduleWrapUpRetry(id: number, retryAt: number, attempts: number): void {
		this.statements.scheduleWrapUpRetry.run(retryAt, attempts, id);
	}

	/** The wrap-up was posted, or will not be: no more tries. */
	public clearWrapUpRetry(id: number): void {
		this.statements.clearWrapUpRetry.run(id);
	}

	/** Setups interrupted by a crash must not hold their channel forever. */
	public abandonStaleSetups(createdBefore: number, now: number): number[] {
		const ids = this.statements.staleSetups.all(createdBefore).map((row) => row.id);
		for (const id of ids) this.end(id, 'setup-failed', now);
		return ids;
	}

	/**
	 * Applies `change` to the party's clock atomically and re-indexes it. Returns the party before and
	 * after, or undefined when it is not running any more.
	 */
	public updateClock(
		id: number,
		now: number,
		change: (timeline: Timeline) => Timeline,
	): { before: Party; after: Party } | undefined {
		return this.db
			.transaction(() => {
				const before = this.get(id);
				if (!before || before.status !== 'running') return undefined;
				const timeline = change(before.timeline);
				this.statements.saveClock.run(
					timeline.startAt,
					timeline.filmOffsetMs,
					timeline.pausedAt,
					timeline.pausedTotalMs,
					timeline.countdownShown,
					timeline.endedAt,
					JSON.stringify(timeline.skipped),
					nextDueAt(timeline, this.plan, now),
					id,
				);
				return { before, after: this.require(id) };
			})
			.immediate();
	}

	public markCountdown(id: number, step: CountdownStep, now: number): void {
		this.updateClock(id, now, (timeline) => ({ ...timeline, countdownShown: step }));
	}

	/** Recomputes when the party next has work, after the engine handled what was due; clears failures. */
	public reindex(id: number, now: number): void {
		const party = this.get(id);
		if (party?.status !== 'running') return;
		this.statements.setNextDue.run(nextDueAt(party.timeline, this.plan, now), id);
	}

	/** A transient failure: try again at `retryAt`. Returns how many failures in a row there have been. */
	public recordFailure(id: number, retryAt: number): number {
		this.statements.recordFailure.run(retryAt, id);
		return this.get(id)?.failures ?? 0;
	}

	/** Ends the party once; returns false if it had already ended (someone else got there first). */
	public end(id: number, reason: EndReason, now: number): boolean {
		return this.db
			.transaction(() => {
				const party = this.get(id);
				if (!party || party.status === 'ended') return false;
				const ended = endTimeline(party.timeline, now);
				this.statements.end.run(reason, ended.pausedTotalMs, ended.endedAt ?? now, id);
				return true;
			})
			.immediate();
	}

	public posts(id: number): PostClaim[] {
		return this.statements.posts.all(id).map((row) => ({
			key: row.post_key,
			nonce: row.nonce,
			claimedAt: row.claimed_at,
			late: row.late === 1,
			messageId: row.message_id,
			lostAt: row.lost_at,
		}));
	}

	/** Claims a post before sending it; false if it was claimed already, so it is never sent twice. */
	public claim(id: number, key: string, now: number, late: boolean): PostClaim | undefined {
		const nonce = postNonce(id, key);
		const { changes } = this.statements.claim.run(id, key, nonce, now, late ? 1 : 0);
		return changes === 1 ? { key, nonce, claimedAt: now, late, messageId: null, lostAt: null } : undefined;
	}

	/**
	 * Whether a claim whose send never confirmed (the process died, or Discord failed) may be sent again:
	 * false once it was confirmed. `claimed_at` stays the time of the first send, since Discord's nonce
	 * window runs from there; a resend inside it carries the same enforced nonce, so Discord drops a copy.
	 */
	public reclaim(id: number, claim: PostClaim): boolean {
		return this.statements.unsent.get(id, claim.key) !== undefined;
	}

	/**
	 * An unconfirmed post past the nonce window that the thread does not hold: it is sent again, marked late,
	 * and its nonce window starts over. Returns the claim to send under, or undefined if it was settled meanwhile.
	 */
	public restartClaim(id: number, key: string, now: number): PostClaim | undefined {
		if (this.statements.restart.run(now, id, key).changes !== 1) return undefined;
		return this.posts(id).find((post) => post.key === key);
	}

	/** Gives up on an unconfirmed post: it is not sent again, and the summary counts it as lost. */
	public markLost(id: number, key: string, now: number): void {
		this.statements.lost.run(now, id, key);
	}

	public recordSent(id: number, key: string, messageId: string): void {
		this.statements.sent.run(messageId, id, key);
	}

	/** Adds a participant; false if they were in already. */
	public join(id: number, userId: string, now: number): boolean {
		return this.statements.join.run(id, userId, now).changes === 1;
	}

	/** Removes a participant; false if they were not in. */
	public leave(id: number, userId: string): boolean {
		return this.statements.leave.run(id, userId).changes === 1;
	}

	public members(id: number): string[] {
		return this.statements.members.all(id).map((row) => row.user_id);
	}

	private toParty(row: PartyRow): Party {
		const posted = this.statements.posts
			.all(row.id)
			.filter((post) => post.post_key.startsWith('beat:'))
			.map((post) => post.post_key.slice('beat:'.length));
		return {
			id: row.id,
			guildId: row.guild_id,
			channelId: row.channel_id,
			threadId: row.thread_id,
			hostId: row.host_id,
			title: row.title,
			status: row.status,
			endReason: row.end_reason,
			createdAt: row.created_at,
			announceMessageId: row.announce_message_id,
			welcomeMessageId: row.welcome_message_id,
			controlMessageId: row.control_message_id,
			countdownMessageId: row.countdown_message_id,
			eventId: row.event_id,
			failures: row.failures,
			timeline: {
				startAt: row.start_at,
				filmOffsetMs: row.film_offset_ms,
				pausedAt: row.paused_at,
				pausedTotalMs: row.paused_total_ms,
				posted,
				skipped: JSON.parse(row.skipped) as string[],
				countdownShown: row.countdown_shown as CountdownStep | null,
				endedAt: row.ended_at,
			},
		};
	}
}

const stores = new WeakMap<Database, WatchPartyStore>();

/** One store (with its prepared statements) per database. */
export function watchPartyStore(db: Database, plan: TimelinePlan): WatchPartyStore {
	let store = stores.get(db);
	if (!store) {
		store = new WatchPartyStore(db, plan);
		stores.set(db, store);
	}
	return store;
}
