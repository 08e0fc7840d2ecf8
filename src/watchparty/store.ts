import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { databaseKind, inList, type Db } from '../store/database.js';
import type { Tables } from '../store/schema.js';
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

/** A due party as a tick lists it: enough to start its step, which reads the party whole. */
export type DueParty = Pick<Party, 'id' | 'guildId' | 'failures'>;

/**
 * An ended party's wrap-up stays due this long after the end, until it is posted or given up: a crash or a
 * database outage before it lands only delays it (shorter than the nonce window, so a resend stays single).
 */
export const WRAP_UP_PENDING_MS = 60_000;

type PartyRow = Selectable<Tables['watch_parties']>;
type PostRow = Selectable<Tables['watch_party_posts']>;

/**
 * Watch parties in SQLite or PostgreSQL. Every change of the clock is a read-modify-write in one transaction
 * that holds the party's row (PostgreSQL: `FOR UPDATE`; SQLite: the IMMEDIATE transaction's write lock) and
 * recomputes `next_due_at`, so the engine's index is never stale and a host pressing Pause while an engine,
 * on any host, posts a beat loses neither change. Posts and members are claimed by inserting their row.
 */
export class WatchPartyStore {
	public constructor(
		private readonly db: Db,
		private readonly plan: TimelinePlan,
	) {}

	/**
	 * Reserves the channel for a new party (status `setup`) and joins the host. If a party is already
	 * active there (or started a moment ago by someone else, on any host), returns that one instead.
	 */
	public async reserve(input: {
		guildId: string;
		channelId: string;
		hostId: string;
		title: string | null;
		timeline: Timeline;
		now: number;
	}): Promise<{ created: true; party: Party } | { created: false; party: Party }> {
		return this.db.transaction().execute(async (trx) => {
			// A party here already, or one whose own thread this is.
			const existing = await this.activeIn(trx, input.channelId);
			if (existing) return { created: false as const, party: existing };
			// Two hosts reserving at once: the one-active-party-per-channel index lets one insert through, and
			// the other's insert waits for it, does nothing, and finds that party.
			const inserted = await trx
				.insertInto('watch_parties')
				.values({
					guild_id: input.guildId,
					channel_id: input.channelId,
					host_id: input.hostId,
					title: input.title,
					status: 'setup',
					created_at: input.now,
					start_at: input.timeline.startAt,
					film_offset_ms: input.timeline.filmOffsetMs,
					skipped: JSON.stringify(input.timeline.skipped),
				})
				// The index's own predicate, as a literal: a bound parameter would match no index.
				.onConflict((conflict) => conflict.column('channel_id').where('status', '<>', sql.lit('ended')).doNothing())
				.returning('id')
				.executeTakeFirst();
			if (!inserted) {
				const winner = await this.activeIn(trx, input.channelId);
				if (!winner) throw new Error(`the watch party reserving ${input.channelId} ended at once`);
				return { created: false as const, party: winner };
			}
			await this.addMember(trx, inserted.id, input.hostId, input.now);
			return { created: true as const, party: await this.require(trx, inserted.id) };
		});
	}

	/** The party running (or being set up) in a channel, or in the party thread itself. */
	public async activeFor(channelId: string): Promise<Party | undefined> {
		return this.activeIn(this.db, channelId);
	}

	public async get(id: number): Promise<Party | undefined> {
		return this.find(this.db, id);
	}

	/** The setup is done: the messages exist and the engine takes over. */
	public async activate(id: number, messages: PartyMessages, now: number): Promise<Party> {
		return this.db.transaction().execute(async (trx) => {
			const party = await this.require(trx, id, { lock: true });
			// Released as stale meanwhile: it stays ended.
			if (party.status !== 'setup') return party;
			await trx
				.updateTable('watch_parties')
				.set({
					status: 'running',
					thread_id: messages.threadId,
					announce_message_id: messages.announceMessageId,
					welcome_message_id: messages.welcomeMessageId,
					control_message_id: messages.controlMessageId,
					countdown_message_id: messages.countdownMessageId,
					next_due_at: nextDueAt(party.timeline, this.plan, now),
					failures: 0,
				})
				.where('id', '=', id)
				.execute();
			return this.require(trx, id);
		});
	}

	public async setEvent(id: number, eventId: string): Promise<void> {
		await this.db.updateTable('watch_parties').set({ event_id: eventId }).where('id', '=', id).execute();
	}

	/** Running parties with work due at `now` among `guildIds` (the guilds this process or shard serves), earliest first. */
	public async due(now: number, guildIds: readonly string[]): Promise<DueParty[]> {
		return this.dueWith('running', now, guildIds);
	}

	/** Ended parties whose wrap-up is due for a (first or another) try, among `guildIds`. */
	public async wrapUpRetriesDue(now: number, guildIds: readonly string[]): Promise<DueParty[]> {
		// An ended party keeps a next_due_at only while its wrap-up waits.
		return this.dueWith('ended', now, guildIds);
	}

	private async dueWith(status: PartyStatus, now: number, guildIds: readonly string[]): Promise<DueParty[]> {
		if (guildIds.length === 0) return [];
		return this.db
			.selectFrom('watch_parties')
			.select(['id', 'guild_id as guildId', 'failures'])
			.where('status', '=', status)
			.where('next_due_at', '<=', now)
			.where(inList(this.db, 'guild_id', guildIds))
			.orderBy('next_due_at')
			.orderBy('id')
			.execute();
	}

	/** The ended party's wrap-up failed its `attempts`-th try; try again at `retryAt`. */
	public async scheduleWrapUpRetry(id: number, retryAt: number, attempts: number): Promise<void> {
		await this.db
			.updateTable('watch_parties')
			.set({ next_due_at: retryAt, failures: attempts })
			.where('id', '=', id)
			.where('status', '=', 'ended')
			.execute();
	}

	/** The wrap-up was posted, or will not be: no more tries. */
	public async clearWrapUpRetry(id: number): Promise<void> {
		await this.db
			.updateTable('watch_parties')
			.set({ next_due_at: null })
			.where('id', '=', id)
			.where('status', '=', 'ended')
			.execute();
	}

	/** Setups interrupted by a crash must not hold their channel forever. Returns those this call released. */
	public async abandonStaleSetups(createdBefore: number, now: number): Promise<number[]> {
		const stale = await this.db
			.selectFrom('watch_parties')
			.select('id')
			.where('status', '=', 'setup')
			.where('created_at', '<', createdBefore)
			.execute();
		const released: number[] = [];
		for (const { id } of stale) if (await this.end(id, 'setup-failed', now)) released.push(id);
		return released;
	}

	/**
	 * A party paused before pauses had a time limit has nothing due stored; it closes at the limit too.
	 * Idempotent, for the engine's first tick.
	 */
	public async scheduleUnlimitedPauses(): Promise<void> {
		await this.db
			.updateTable('watch_parties')
			.set({ next_due_at: sql<number>`paused_at + ${PAUSE_LIMIT_MS}` })
			.where('status', '=', 'running')
			.where('next_due_at', 'is', null)
			.where('paused_at', 'is not', null)
			.execute();
	}

	/**
	 * Applies `change` to the party's clock atomically and re-indexes it. Returns the party before and
	 * after, or undefined when it is not running any more.
	 */
	public async updateClock(
		id: number,
		now: number,
		change: (timeline: Timeline) => Timeline,
	): Promise<{ before: Party; after: Party } | undefined> {
		return this.db.transaction().execute(async (trx) => {
			const before = await this.find(trx, id, { lock: true });
			if (before?.status !== 'running') return undefined;
			const timeline = change(before.timeline);
			await trx
				.updateTable('watch_parties')
				.set({
					start_at: timeline.startAt,
					film_offset_ms: timeline.filmOffsetMs,
					paused_at: timeline.pausedAt,
					paused_total_ms: timeline.pausedTotalMs,
					countdown_shown: timeline.countdownShown,
					ended_at: timeline.endedAt,
					skipped: JSON.stringify(timeline.skipped),
					next_due_at: nextDueAt(timeline, this.plan, now),
				})
				.where('id', '=', id)
				.execute();
			return { before, after: await this.require(trx, id) };
		});
	}

	public async markCountdown(id: number, step: CountdownStep, now: number): Promise<void> {
		await this.updateClock(id, now, (timeline) => ({ ...timeline, countdownShown: step }));
	}

	/** Recomputes when the party next has work, after the engine handled what was due; clears failures. */
	public async reindex(id: number, now: number): Promise<void> {
		await this.db.transaction().execute(async (trx) => {
			const party = await this.find(trx, id, { lock: true });
			if (party?.status !== 'running') return;
			await trx
				.updateTable('watch_parties')
				.set({ next_due_at: nextDueAt(party.timeline, this.plan, now), failures: 0 })
				.where('id', '=', id)
				.execute();
		});
	}

	/** A transient failure: try again at `retryAt`. Returns how many failures in a row there have been. */
	public async recordFailure(id: number, retryAt: number): Promise<number> {
		const row = await this.db
			.updateTable('watch_parties')
			.set((eb) => ({ failures: eb('failures', '+', 1), next_due_at: retryAt }))
			.where('id', '=', id)
			// One that ended meanwhile keeps no due time, or it would look like a wrap-up waiting.
			.where('status', '=', 'running')
			.returning('failures')
			.executeTakeFirst();
		return row?.failures ?? 0;
	}

	/**
	 * Ends the party once; returns false if it had already ended (someone else got there first). With
	 * `wrapUpAt`, its wrap-up is due from then until it is posted or given up (see WRAP_UP_PENDING_MS).
	 */
	public async end(id: number, reason: EndReason, now: number, wrapUpAt: number | null = null): Promise<boolean> {
		return this.db.transaction().execute(async (trx) => {
			const party = await this.find(trx, id, { lock: true });
			if (!party || party.status === 'ended') return false;
			const ended = endTimeline(party.timeline, now);
			await trx
				.updateTable('watch_parties')
				.set({
					status: 'ended',
					end_reason: reason,
					paused_at: null,
					paused_total_ms: ended.pausedTotalMs,
					ended_at: ended.endedAt ?? now,
					next_due_at: wrapUpAt,
					failures: 0,
				})
				.where('id', '=', id)
				.execute();
			return true;
		});
	}

	public async posts(id: number): Promise<PostClaim[]> {
		return this.postsOf(this.db, id);
	}

	/** Claims a post before sending it; undefined if it was claimed already (on any host), so it is never sent twice. */
	public async claim(id: number, key: string, now: number, late: boolean): Promise<PostClaim | undefined> {
		const nonce = postNonce(id, key);
		const inserted = await this.db
			.insertInto('watch_party_posts')
			.values({ party_id: id, post_key: key, nonce, claimed_at: now, late: late ? 1 : 0 })
			.onConflict((conflict) => conflict.columns(['party_id', 'post_key']).doNothing())
			.returning('post_key')
			.executeTakeFirst();
		return inserted && { key, nonce, claimedAt: now, late, messageId: null, lostAt: null };
	}

	/**
	 * Whether a claim whose send never confirmed (the process died, or Discord failed) may be sent again:
	 * false once it was confirmed. `claimed_at` stays the time of the first send, since Discord's nonce
	 * window runs from there; a resend inside it carries the same enforced nonce, so Discord drops a copy.
	 */
	public async reclaim(id: number, claim: PostClaim): Promise<boolean> {
		const row = await this.db
			.selectFrom('watch_party_posts')
			.select('post_key')
			.where('party_id', '=', id)
			.where('post_key', '=', claim.key)
			.where('message_id', 'is', null)
			.where('lost_at', 'is', null)
			.executeTakeFirst();
		return row !== undefined;
	}

	/**
	 * An unconfirmed post first sent at `claimedAt`, past the nonce window, that the thread does not hold: it
	 * is sent again, marked late, and its nonce window starts over. Returns the claim to send under, or
	 * undefined if it was settled or restarted meanwhile (by another host, say).
	 */
	public async restartClaim(id: number, key: string, claimedAt: number, now: number): Promise<PostClaim | undefined> {
		const row = await this.db
			.updateTable('watch_party_posts')
			.set({ claimed_at: now, late: 1 })
			.where('party_id', '=', id)
			.where('post_key', '=', key)
			.where('claimed_at', '=', claimedAt)
			.where('message_id', 'is', null)
			.where('lost_at', 'is', null)
			.returningAll()
			.executeTakeFirst();
		return row && toClaim(row);
	}

	/** Gives up on an unconfirmed post: it is not sent again, and the summary counts it as lost. */
	public async markLost(id: number, key: string, now: number): Promise<void> {
		await this.db
			.updateTable('watch_party_posts')
			.set({ lost_at: now })
			.where('party_id', '=', id)
			.where('post_key', '=', key)
			.where('message_id', 'is', null)
			.execute();
	}

	public async recordSent(id: number, key: string, messageId: string): Promise<void> {
		await this.db
			.updateTable('watch_party_posts')
			.set({ message_id: messageId })
			.where('party_id', '=', id)
			.where('post_key', '=', key)
			.execute();
	}

	/** Adds a participant; false if they were in already. */
	public async join(id: number, userId: string, now: number): Promise<boolean> {
		return this.addMember(this.db, id, userId, now);
	}

	/** Removes a participant; false if they were not in. */
	public async leave(id: number, userId: string): Promise<boolean> {
		const { numDeletedRows } = await this.db
			.deleteFrom('watch_party_members')
			.where('party_id', '=', id)
			.where('user_id', '=', userId)
			.executeTakeFirstOrThrow();
		return numDeletedRows === 1n;
	}

	public async members(id: number): Promise<string[]> {
		const rows = await this.db
			.selectFrom('watch_party_members')
			.select('user_id')
			.where('party_id', '=', id)
			.orderBy('joined_at')
			.orderBy('user_id')
			.execute();
		return rows.map((row) => row.user_id);
	}

	private async addMember(db: Db, id: number, userId: string, now: number): Promise<boolean> {
		const inserted = await db
			.insertInto('watch_party_members')
			.values({ party_id: id, user_id: userId, joined_at: now })
			.onConflict((conflict) => conflict.columns(['party_id', 'user_id']).doNothing())
			.returning('user_id')
			.executeTakeFirst();
		return inserted !== undefined;
	}

	private async activeIn(db: Db, channelId: string): Promise<Party | undefined> {
		const row = await db
			.selectFrom('watch_parties')
			.selectAll()
			.where('status', '<>', 'ended')
			.where((eb) => eb.or([eb('channel_id', '=', channelId), eb('thread_id', '=', channelId)]))
			.orderBy('id')
			.limit(1)
			.executeTakeFirst();
		return row && this.toParty(db, row);
	}

	/** The party; with `lock`, its row is held until `db`'s transaction ends (on PostgreSQL, `FOR UPDATE`). */
	private async find(db: Db, id: number, { lock = false } = {}): Promise<Party | undefined> {
		const row = await db
			.selectFrom('watch_parties')
			.selectAll()
			.where('id', '=', id)
			.$if(lock && databaseKind(db) === 'postgres', (query) => query.forUpdate())
			.executeTakeFirst();
		return row && this.toParty(db, row);
	}

	private async require(db: Db, id: number, options?: { lock: boolean }): Promise<Party> {
		const party = await this.find(db, id, options);
		if (!party) throw new Error(`watch party ${id} not found`);
		return party;
	}

	private async postsOf(db: Db, id: number): Promise<PostClaim[]> {
		const rows = await db
			.selectFrom('watch_party_posts')
			.selectAll()
			.where('party_id', '=', id)
			.orderBy('claimed_at')
			.orderBy('post_key')
			.execute();
		return rows.map(toClaim);
	}

	private async toParty(db: Db, row: PartyRow): Promise<Party> {
		const posted = (await this.postsOf(db, row.id))
			.filter((post) => post.key.startsWith('beat:'))
			.map((post) => post.key.slice('beat:'.length));
		return {
			id: row.id,
			guildId: row.guild_id,
			channelId: row.channel_id,
			threadId: row.thread_id,
			hostId: row.host_id,
			title: row.title,
			status: row.status,
			endReason: row.end_reason as EndReason | null,
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

function toClaim(row: PostRow): PostClaim {
	return {
		key: row.post_key,
		nonce: row.nonce,
		claimedAt: row.claimed_at,
		late: row.late === 1,
		messageId: row.message_id,
		lostAt: row.lost_at,
	};
}
