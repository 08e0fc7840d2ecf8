import type { Database } from 'better-sqlite3';
import { nextDueAfter, reflectionNonce } from './schedule.js';
import { localDateOf, type LocalDate } from './time.js';

/** Why a schedule stopped posting by itself; `status` explains each in the caller's language. */
export type PauseReason = 'channel-missing' | 'missing-permissions' | 'forbidden';

export interface ReflectionSchedule {
	readonly guildId: string;
	readonly channelId: string;
	/** `HH:MM`, 24-hour, in `timeZone`. */
	readonly time: string;
	readonly timeZone: string;
	readonly roleId: string | null;
	readonly thread: boolean;
	readonly nextDueAt: Date;
	readonly paused: { readonly reason: PauseReason; readonly detail: string | null; readonly at: Date } | null;
	readonly updatedBy: string;
	/** The Discord locale of the admin who set the schedule, to tell them in their language; null before it was kept. */
	readonly updatedLocale: string | null;
	readonly updatedAt: Date;
	/** When that admin was told it stopped posting (a pause or a day given up); null once a prompt goes out. */
	readonly notifiedAt: Date | null;
}

export type PostStatus = 'claimed' | 'sent' | 'failed';

export interface ReflectionPost {
	readonly guildId: string;
	readonly localDate: LocalDate;
	readonly status: PostStatus;
	readonly nonce: string;
	readonly reflectionId: string;
	readonly channelId: string;
	readonly claimedBy: string;
	/** When the latest attempt claimed the post. */
	readonly claimedAt: Date;
	/** When the first attempt did: every attempt since may have reached the channel. */
	readonly firstClaimedAt: Date;
	readonly attempts: number;
	readonly messageId: string | null;
	readonly threadId: string | null;
	readonly sentAt: Date | null;
	readonly failure: string | null;
}

export type ClaimResult =
	/**
	 * This process owns the day's post now and must send it. `retry`: earlier attempts did not confirm; the
	 * last of them claimed the post at `lastAttemptAt` (null on a first attempt).
	 */
	| {
			readonly kind: 'claimed';
			readonly post: ReflectionPost;
			readonly retry: boolean;
			readonly lastAttemptAt: Date | null;
	  }
	/** The day is already sent or given up: nothing to send; the schedule has moved on. */
	| { readonly kind: 'settled'; readonly post: ReflectionPost }
	/** This claim gave the day up after its attempts ran out (once per day); the schedule has moved on. */
	| { readonly kind: 'gave-up'; readonly post: ReflectionPost }
	/** Another attempt holds a fresh claim: leave it alone until its lease runs out. */
	| { readonly kind: 'busy'; readonly post: ReflectionPost }
	/** The schedule was stopped or moved since it was read. */
	| { readonly kind: 'stale' }
	/** There is no prompt to post. */
	| { readonly kind: 'empty' };

/** What an admin sets with `/her-reflection schedule`; the rest of a schedule is derived or kept by the bot. */
export type ScheduleInput = Pick<
	ReflectionSchedule,
	'guildId' | 'channelId' | 'time' | 'timeZone' | 'roleId' | 'thread' | 'updatedBy'
> &
	Partial<Pick<ReflectionSchedule, 'updatedLocale'>>;

export interface ClaimInput {
	readonly guildId: string;
	readonly localDate: LocalDate;
	/** The `nextDueAt` the decision was made on; a claim on a schedule that changed since is refused. */
	readonly dueAt: Date;
	readonly channelId: string;
	readonly processId: string;
	readonly now: Date;
	/** How long a claim protects an unconfirmed send before another attempt may retry it. */
	readonly leaseMs: number;
	/** After this many unconfirmed attempts the day is given up. */
	readonly maxAttempts: number;
	/** Picks the prompt for a new claim (runs inside the claim's transaction). */
	readonly pick: () => string | undefined;
}

interface ScheduleRow {
	guild_id: string;
	channel_id: string;
	time: string;
	time_zone: string;
	role_id: string | null;
	thread: 0 | 1;
	next_due_at: number;
	paused_reason: PauseReason | null;
	paused_detail: string | null;
	paused_at: number | null;
	updated_by: string;
	updated_locale: string | null;
	updated_at: number;
	notified_at: number | null;
}

interface PostRow {
	guild_id: string;
	local_date: string;
	status: PostStatus;
	nonce: string;
	reflection_id: string;
	channel_id: string;
	claimed_by: string;
	claimed_at: number;
	first_claimed_at: number | null;
	attempts: number;
	message_id: string | null;
	thread_id: string | null;
	sent_at: number | null;
	failure: string | null;
}

function toSchedule(row: ScheduleRow): ReflectionSchedule {
	return {
		guildId: row.guild_id,
		channelId: row.channel_id,
		time: row.time,
		timeZone: row.time_zone,
		roleId: row.role_id,
		thread: row.thread === 1,
		nextDueAt: new Date(row.next_due_at),
		paused:
			row.paused_reason === null
				? null
				: { reason: row.paused_reason, detail: row.paused_detail, at: new Date(row.paused_at ?? 0) },
		updatedBy: row.updated_by,
		updatedLocale: row.updated_locale,
		updatedAt: new Date(row.updated_at),
		notifiedAt: row.notified_at === null ? null : new Date(row.notified_at),
	};
}

function toPost(row: PostRow): ReflectionPost {
	return {
		guildId: row.guild_id,
		localDate: row.local_date,
		status: row.status,
		nonce: row.nonce,
		reflectionId: row.reflection_id,
		channelId: row.channel_id,
		claimedBy: row.claimed_by,
		claimedAt: new Date(row.claimed_at),
		firstClaimedAt: new Date(row.first_claimed_at ?? row.claimed_at),
		attempts: row.attempts,
		messageId: row.message_id,
		threadId: row.thread_id,
		sentAt: row.sent_at === null ? null : new Date(row.sent_at),
		failure: row.failure,
	};
}

/**
 * The daily reflection's state. Every step that decides who posts what runs in a `BEGIN IMMEDIATE`
 * transaction, so two processes sharing the file serialize on it and one local date gets one post.
 */
export class ReflectionStore {
	public constructor(private readonly db: Database) {}

	public get(guildId: string): ReflectionSchedule | undefined {
		const row = this.db
			.prepare<[string], ScheduleRow>('SELECT * FROM reflection_schedules WHERE guild_id = ?')
			.get(guildId);
		return row && toSchedule(row);
	}

	public post(guildId: string, localDate: LocalDate): ReflectionPost | undefined {
		const row = this.db
			.prepare<[string, string], PostRow>('SELECT * FROM reflection_posts WHERE guild_id = ? AND local_date = ?')
			.get(guildId, localDate);
		return row && toPost(row);
	}

	/** The last prompt that went out, for the jump link in `status`. */
	public lastSent(guildId: string): ReflectionPost | undefined {
		const row = this.db
			.prepare<[string], PostRow>(
				`SELECT * FROM reflection_posts WHERE guild_id = ? AND status = 'sent' ORDER BY local_date DESC LIMIT 1`,
			)
			.get(guildId);
		return row && toPost(row);
	}

	/**
	 * Creates or replaces the guild's schedule and resumes it if paused. The first due time skips any
	 * local date that already has a post, so moving today's time later never posts twice today.
	 */
	public save(input: ScheduleInput, now: Date): ReflectionSchedule {
		return this.db
			.transaction(() => {
				// A day that failed because of what the admin is fixing now (channel, permissions) may still go out.
				this.db
					.prepare(
						`DELETE FROM reflection_posts WHERE guild_id = ? AND status = 'failed'
						 AND failure IN ('channel-missing', 'missing-permissions', 'forbidden')`,
					)
					.run(input.guildId);
				const nextDueAt = nextDueAfter(input, now, (date) => this.post(input.guildId, date) !== undefined);
				this.db
					.prepare(
						`INSERT INTO reflection_schedules
							(guild_id, channel_id, time, time_zone, role_id, thread, next_due_at, updated_by, updated_locale, updated_at)
						 VALUES (@guildId, @channelId, @time, @timeZone, @roleId, @thread, @nextDueAt, @updatedBy, @updatedLocale, @now)
						 ON CONFLICT (guild_id) DO UPDATE SET
							channel_id = excluded.channel_id, time = excluded.time, time_zone = excluded.time_zone,
							role_id = excluded.role_id, thread = excluded.thread, next_due_at = excluded.next_due_at,
							paused_reason = NULL, paused_detail = NULL, paused_at = NULL, notified_at = NULL,
							updated_by = excluded.updated_by, updated_locale = excluded.updated_locale,
							updated_at = excluded.updated_at`,
					)
					.run({
						...input,
						updatedLocale: input.updatedLocale ?? null,
						thread: input.thread ? 1 : 0,
						nextDueAt: nextDueAt.getTime(),
						now: now.getTime(),
					});
				return this.get(input.guildId)!;
			})
			.immediate();
	}

	/** Stops the guild's schedule; its post history stays. False when there was none. */
	public remove(guildId: string): boolean {
		return this.db.prepare('DELETE FROM reflection_schedules WHERE guild_id = ?').run(guildId).changes > 0;
	}

	/**
	 * Schedules due at `now`, among `guildIds` (the guilds this process, or shard, serves). Paused ones too:
	 * each due day checks again whether what paused it is fixed, so a schedule resumes by itself.
	 */
	public due(now: Date, guildIds: readonly string[], limit = 500): ReflectionSchedule[] {
		if (guildIds.length === 0) return [];
		return this.db
			.prepare<[number, string, number], ScheduleRow>(
				`SELECT * FROM reflection_schedules
				 WHERE next_due_at <= ? AND guild_id IN (SELECT value FROM json_each(?))
				 ORDER BY next_due_at LIMIT ?`,
			)
			.all(now.getTime(), JSON.stringify(guildIds), limit)
			.map(toSchedule);
	}

	/**
	 * Moves a schedule whose day was missed on to `nextDueAt`, if no one moved it meanwhile. A claim
	 * left unconfirmed on a past day is closed as such: it is never retried on a later day.
	 */
	public skip(schedule: ReflectionSchedule, nextDueAt: Date, now: Date): boolean {
		return this.db
			.transaction(() => {
				const moved = this.db
					.prepare(`UPDATE reflection_schedules SET next_due_at = ? WHERE guild_id = ? AND next_due_at = ?`)
					.run(nextDueAt.getTime(), schedule.guildId, schedule.nextDueAt.getTime()).changes;
				this.db
					.prepare(
						`UPDATE reflection_posts SET status = 'failed', failure = 'unconfirmed'
						 WHERE guild_id = ? AND status = 'claimed' AND local_date < ?`,
					)
					.run(schedule.guildId, localDateOf(now, schedule.timeZone));
				return moved > 0;
			})
			.immediate();
	}

	/**
	 * Claims the guild's post for `localDate` before anything is sent. A fresh claim by someone else
	 * means "busy"; one whose lease ran out (its process crashed mid-send) is taken over and retried
	 * with the same nonce and prompt, so Discord returns the first message if it did go out.
	 */
	public claim(input: ClaimInput): ClaimResult {
		return this.db
			.transaction((): ClaimResult => {
				const schedule = this.get(input.guildId);
				if (!schedule || schedule.nextDueAt.getTime() !== input.dueAt.getTime()) {
					return { kind: 'stale' };
				}
				const existing = this.post(input.guildId, input.localDate);
				const now = input.now.getTime();
				if (!existing) {
					const reflectionId = input.pick();
					if (reflectionId === undefined) return { kind: 'empty' };
					this.db
						.prepare(
							`INSERT INTO reflection_posts
								(guild_id, local_date, status, nonce, reflection_id, channel_id, claimed_by, claimed_at, first_claimed_at)
							 VALUES (?, ?, 'claimed', ?, ?, ?, ?, ?, ?)`,
						)
						.run(
							input.guildId,
							input.localDate,
							reflectionNonce(input.guildId, input.localDate),
							reflectionId,
							input.channelId,
							input.processId,
							now,
							now,
						);
					const post = this.post(input.guildId, input.localDate)!;
					return { kind: 'claimed', post, retry: false, lastAttemptAt: null };
				}
				if (existing.status !== 'claimed') {
					this.advance(schedule, existing.localDate, input.now);
					return { kind: 'settled', post: existing };
				}
				if (existing.claimedAt.getTime() + input.leaseMs > now) return { kind: 'busy', post: existing };
				if (existing.attempts >= input.maxAttempts) {
					this.settle(input.guildId, input.localDate, 'failed', 'too-many-attempts');
					this.advance(schedule, existing.localDate, input.now);
					return { kind: 'gave-up', post: this.post(input.guildId, input.localDate)! };
				}
				this.db
					.prepare(
						`UPDATE reflection_posts SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1, channel_id = ?
						 WHERE guild_id = ? AND local_date = ?`,
					)
					.run(input.processId, now, input.channelId, input.guildId, input.localDate);
				const post = this.post(input.guildId, input.localDate)!;
				return { kind: 'claimed', post, retry: true, lastAttemptAt: existing.claimedAt };
			})
			.immediate();
	}

	/**
	 * Records the message that went out and moves the schedule to the next local date. A paused schedule
	 * that posted again is running again. Returns the pause it ended, if any.
	 */
	public markSent(
		post: Pick<ReflectionPost, 'guildId' | 'localDate'>,
		sent: { messageId: string; threadId: string | null },
		now: Date,
	): ReflectionSchedule['paused'] {
		return this.db
			.transaction(() => {
				this.db
					.prepare(
						`UPDATE reflection_posts SET status = 'sent', message_id = ?, thread_id = ?, sent_at = ?, failure = NULL
						 WHERE guild_id = ? AND local_date = ? AND status != 'sent'`,
					)
					.run(sent.messageId, sent.threadId, now.getTime(), post.guildId, post.localDate);
				const schedule = this.get(post.guildId);
				if (!schedule) return null;
				this.advance(schedule, post.localDate, now);
				this.db
					.prepare(
						`UPDATE reflection_schedules SET paused_reason = NULL, paused_detail = NULL, paused_at = NULL,
						 notified_at = NULL WHERE guild_id = ?`,
					)
					.run(post.guildId);
				return schedule.paused;
			})
			.immediate();
	}

	/** Notes why an attempt failed; the claim stays, so it is retried once its lease runs out. */
	public noteFailure(post: Pick<ReflectionPost, 'guildId' | 'localDate'>, failure: string): void {
		this.db
			.prepare(`UPDATE reflection_posts SET failure = ? WHERE guild_id = ? AND local_date = ? AND status = 'claimed'`)
			.run(failure, post.guildId, post.localDate);
	}

	/**
	 * Pauses the schedule with a reason `status` can show. With `localDate` (the day it could not post), a
	 * claim for it still open is closed as failed and the schedule moves to its next due day, when it checks
	 * again whether it can post (or the next `save` resumes it). True when it was running until now.
	 */
	public pause(guildId: string, reason: PauseReason, detail: string | null, now: Date, localDate?: LocalDate): boolean {
		return this.db
			.transaction(() => {
				const schedule = this.get(guildId);
				if (!schedule) return false;
				this.db
					.prepare(
						`UPDATE reflection_schedules SET paused_reason = ?, paused_detail = ?, paused_at = ? WHERE guild_id = ?`,
					)
					.run(reason, detail, now.getTime(), guildId);
				if (localDate !== undefined) {
					this.db
						.prepare(
							`UPDATE reflection_posts SET status = 'failed', failure = ?
							 WHERE guild_id = ? AND local_date = ? AND status = 'claimed'`,
						)
						.run(reason, guildId, localDate);
					this.advance(schedule, localDate, now);
				}
				return schedule.paused === null;
			})
			.immediate();
	}

	/** Takes the one notice owed to the admin until the schedule posts again: true for the first caller only. */
	public takeNotice(guildId: string, now: Date): boolean {
		return (
			this.db
				.prepare('UPDATE reflection_schedules SET notified_at = ? WHERE guild_id = ? AND notified_at IS NULL')
				.run(now.getTime(), guildId).changes > 0
		);
	}

	private settle(guildId: string, localDate: LocalDate, status: PostStatus, failure: string | null): void {
		this.db
			.prepare('UPDATE reflection_posts SET status = ?, failure = ? WHERE guild_id = ? AND local_date = ?')
			.run(status, failure, guildId, localDate);
	}

	private advance(schedule: ReflectionSchedule, settledDate: LocalDate, now: Date): void {
		const nextDueAt = nextDueAfter(
			schedule,
			now,
			(date) => this.post(schedule.guildId, date) !== undefined,
			settledDate,
		);
		this.db
			.prepare('UPDATE reflection_schedules SET next_due_at = ? WHERE guild_id = ?')
			.run(nextDueAt.getTime(), schedule.guildId);
	}
}
