import type { Database } from 'better-sqlite3';
import { nextDueAfter, reflectionNonce } from './schedule.js';
import { EVERY_DAY, localDateOf, type LocalDate, type WeekDays } from './time.js';

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
	/** The local days it posts on (bits, 0 = Sunday). */
	readonly days: WeekDays;
	/** Pin each new prompt and unpin the one before. */
	readonly pin: boolean;
	/** In a forum channel: the tag each post gets. */
	readonly forumTagId: string | null;
	readonly nextDueAt: Date;
	/** Paused by an admin: not due at all until `resume`, which never posts the days in between. */
	readonly held: { readonly at: Date; readonly by: string } | null;
	/** Stopped posting by itself (channel gone, permission lost); each due day checks again. */
	readonly paused: { readonly reason: PauseReason; readonly detail: string | null; readonly at: Date } | null;
	readonly updatedBy: string;
	/** The Discord locale of the admin who set the schedule, to tell them in their language; null before it was kept. */
	readonly updatedLocale: string | null;
	readonly updatedAt: Date;
	/** When that admin was told it stopped posting (a pause or a day given up); null once a prompt goes out. */
	readonly notifiedAt: Date | null;
}

/** A server's schedule is the one in a channel. */
export type ScheduleKey = Pick<ReflectionSchedule, 'guildId' | 'channelId'>;

/** 'skipped': an admin skipped that day, so nothing claims it and rescheduling steps over it. */
export type PostStatus = 'claimed' | 'sent' | 'failed' | 'skipped';

export interface ReflectionPost {
	readonly guildId: string;
	/** The schedule's channel; a forum post is a thread in it. */
	readonly channelId: string;
	readonly localDate: LocalDate;
	readonly status: PostStatus;
	readonly nonce: string;
	readonly reflectionId: string;
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
	Partial<Pick<ReflectionSchedule, 'updatedLocale' | 'days' | 'pin' | 'forumTagId'>>;

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
	days: number;
	pin: 0 | 1;
	forum_tag_id: string | null;
	next_due_at: number;
	held_at: number | null;
	held_by: string | null;
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
	channel_id: string;
	local_date: string;
	status: PostStatus;
	nonce: string;
	reflection_id: string;
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
		days: row.days,
		pin: row.pin === 1,
		forumTagId: row.forum_tag_id,
		nextDueAt: new Date(row.next_due_at),
		held: row.held_at === null ? null : { at: new Date(row.held_at), by: row.held_by ?? '' },
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
		channelId: row.channel_id,
		localDate: row.local_date,
		status: row.status,
		nonce: row.nonce,
		reflectionId: row.reflection_id,
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

/** The most schedules a server may have: each posts on its own, so the fan-out stays a few posts per server. */
export const MAX_SCHEDULES_PER_GUILD = 5;

/**
 * The daily reflection's state. Every step that decides who posts what runs in a `BEGIN IMMEDIATE`
 * transaction, so two processes sharing the file serialize on it and one local date gets one post per
 * schedule (a server's schedule in one channel).
 */
export class ReflectionStore {
	public constructor(private readonly db: Database) {}

	/** The schedule in `channelId`; without one, the server's first (most servers have one). */
	public get(guildId: string, channelId?: string): ReflectionSchedule | undefined {
		const row =
			channelId === undefined
				? this.db
						.prepare<[string], ScheduleRow>(
							'SELECT * FROM reflection_schedules WHERE guild_id = ? ORDER BY rowid LIMIT 1',
						)
						.get(guildId)
				: this.db
						.prepare<[string, string], ScheduleRow>(
							'SELECT * FROM reflection_schedules WHERE guild_id = ? AND channel_id = ?',
						)
						.get(guildId, channelId);
		return row && toSchedule(row);
	}

	/** The server's schedules, oldest first. */
	public list(guildId: string): ReflectionSchedule[] {
		return this.db
			.prepare<[string], ScheduleRow>('SELECT * FROM reflection_schedules WHERE guild_id = ? ORDER BY rowid')
			.all(guildId)
			.map(toSchedule);
	}

	public post(key: ScheduleKey, localDate: LocalDate): ReflectionPost | undefined {
		const row = this.db
			.prepare<[string, string, string], PostRow>(
				'SELECT * FROM reflection_posts WHERE guild_id = ? AND channel_id = ? AND local_date = ?',
			)
			.get(key.guildId, key.channelId, localDate);
		return row && toPost(row);
	}

	/** The schedule's last prompt that went out: the jump link and reply count in `status`, the pin to replace. */
	public lastSent(key: ScheduleKey): ReflectionPost | undefined {
		const row = this.db
			.prepare<[string, string], PostRow>(
				`SELECT * FROM reflection_posts WHERE guild_id = ? AND channel_id = ? AND status = 'sent'
				 ORDER BY local_date DESC LIMIT 1`,
			)
			.get(key.guildId, key.channelId);
		return row && toPost(row);
	}

	/**
	 * Creates the schedule in the input's channel, or edits the one there, and resumes it if it stopped by
	 * itself (a pause by an admin stays until `resume`). The first due time skips any local date that already
	 * has a post, so moving today's time later never posts twice today.
	 */
	public save(input: ScheduleInput, now: Date): ReflectionSchedule {
		return this.db
			.transaction(() => {
				// A day that failed because of what the admin is fixing now (channel, permissions) may still go out.
				this.db
					.prepare(
						`DELETE FROM reflection_posts WHERE guild_id = ? AND channel_id = ? AND status = 'failed'
						 AND failure IN ('channel-missing', 'missing-permissions', 'forbidden')`,
					)
					.run(input.guildId, input.channelId);
				const schedule = {
					...input,
					days: input.days ?? EVERY_DAY,
					pin: input.pin ?? false,
					forumTagId: input.forumTagId ?? null,
					updatedLocale: input.updatedLocale ?? null,
				};
				const nextDueAt = nextDueAfter(schedule, now, (date) => this.post(input, date) !== undefined);
				this.db
					.prepare(
						`INSERT INTO reflection_schedules
							(guild_id, channel_id, time, time_zone, role_id, thread, days, pin, forum_tag_id, next_due_at,
							 updated_by, updated_locale, updated_at)
						 VALUES (@guildId, @channelId, @time, @timeZone, @roleId, @thread, @days, @pin, @forumTagId, @nextDueAt,
							 @updatedBy, @updatedLocale, @now)
						 ON CONFLICT (guild_id, channel_id) DO UPDATE SET
							time = excluded.time, time_zone = excluded.time_zone, role_id = excluded.role_id,
							thread = excluded.thread, days = excluded.days, pin = excluded.pin,
							forum_tag_id = excluded.forum_tag_id, next_due_at = excluded.next_due_at,
							paused_reason = NULL, paused_detail = NULL, paused_at = NULL, notified_at = NULL,
							updated_by = excluded.updated_by, updated_locale = excluded.updated_locale,
							updated_at = excluded.updated_at`,
					)
					.run({
						...schedule,
						thread: schedule.thread ? 1 : 0,
						pin: schedule.pin ? 1 : 0,
						nextDueAt: nextDueAt.getTime(),
						now: now.getTime(),
					});
				return this.get(input.guildId, input.channelId)!;
			})
			.immediate();
	}

	/** Stops the schedule; its post history stays. False when there was none. */
	public remove(key: ScheduleKey): boolean {
		return (
			this.db
				.prepare('DELETE FROM reflection_schedules WHERE guild_id = ? AND channel_id = ?')
				.run(key.guildId, key.channelId).changes > 0
		);
	}

	/**
	 * Schedules due at `now`, among `guildIds` (the guilds this process, or shard, serves). Paused ones too
	 * (not those an admin paused): each due day checks again whether what paused it is fixed, so a schedule
	 * resumes by itself.
	 */
	public due(now: Date, guildIds: readonly string[], limit = 500): ReflectionSchedule[] {
		if (guildIds.length === 0) return [];
		return this.db
			.prepare<[number, string, number], ScheduleRow>(
				`SELECT * FROM reflection_schedules
				 WHERE next_due_at <= ? AND held_at IS NULL AND guild_id IN (SELECT value FROM json_each(?))
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
					.prepare(
						`UPDATE reflection_schedules SET next_due_at = ? WHERE guild_id = ? AND channel_id = ? AND next_due_at = ?`,
					)
					.run(nextDueAt.getTime(), schedule.guildId, schedule.channelId, schedule.nextDueAt.getTime()).changes;
				this.db
					.prepare(
						`UPDATE reflection_posts SET status = 'failed', failure = 'unconfirmed'
						 WHERE guild_id = ? AND channel_id = ? AND status = 'claimed' AND local_date < ?`,
					)
					.run(schedule.guildId, schedule.channelId, localDateOf(now, schedule.timeZone));
				return moved > 0;
			})
			.immediate();
	}

	/**
	 * An admin's `skip`: the next day the schedule would post (not one already going out) is marked skipped,
	 * and the schedule moves past it. Returns that day and the post after it; undefined without a schedule.
	 */
	public skipNext(key: ScheduleKey, now: Date): { skipped: LocalDate; nextDueAt: Date } | undefined {
		return this.db
			.transaction(() => {
				const schedule = this.get(key.guildId, key.channelId);
				if (!schedule) return undefined;
				const taken = (date: LocalDate) => this.post(schedule, date) !== undefined;
				// A held schedule's due time is stale: its next day is the one `resume` would post first.
				const upcoming = schedule.held ? nextDueAfter(schedule, now, taken) : schedule.nextDueAt;
				let skipped = localDateOf(upcoming, schedule.timeZone);
				if (taken(skipped)) skipped = localDateOf(nextDueAfter(schedule, now, taken, skipped), schedule.timeZone);
				this.db
					.prepare(
						`INSERT INTO reflection_posts
							(guild_id, channel_id, local_date, status, nonce, reflection_id, claimed_by, claimed_at, attempts)
						 VALUES (?, ?, ?, 'skipped', '', '', ?, ?, 0)`,
					)
					.run(key.guildId, key.channelId, skipped, 'admin', now.getTime());
				const nextDueAt =
					skipped === localDateOf(schedule.nextDueAt, schedule.timeZone) || schedule.held
						? nextDueAfter(schedule, now, taken, skipped)
						: schedule.nextDueAt;
				this.setNextDue(schedule, nextDueAt);
				return { skipped, nextDueAt };
			})
			.immediate();
	}

	/** An admin's `pause`: nothing is due until `resume`. False when it was already held (or there is none). */
	public hold(key: ScheduleKey, userId: string, now: Date): boolean {
		return (
			this.db
				.prepare(
					`UPDATE reflection_schedules SET held_at = ?, held_by = ?
					 WHERE guild_id = ? AND channel_id = ? AND held_at IS NULL`,
				)
				.run(now.getTime(), userId, key.guildId, key.channelId).changes > 0
		);
	}

	/**
	 * An admin's `resume`: due again from the next due time after `now` (days passed while held are never
	 * posted, nor today's if its time has gone by). Returns the schedule, or undefined when it was not held.
	 */
	public release(key: ScheduleKey, now: Date): ReflectionSchedule | undefined {
		return this.db
			.transaction(() => {
				const schedule = this.get(key.guildId, key.channelId);
				if (!schedule?.held) return undefined;
				const nextDueAt = nextDueAfter(schedule, now, (date) => this.post(schedule, date) !== undefined);
				this.db
					.prepare(
						`UPDATE reflection_schedules SET held_at = NULL, held_by = NULL, next_due_at = ?
						 WHERE guild_id = ? AND channel_id = ?`,
					)
					.run(nextDueAt.getTime(), key.guildId, key.channelId);
				return this.get(key.guildId, key.channelId);
			})
			.immediate();
	}

	/**
	 * Claims the schedule's post for `localDate` before anything is sent. A fresh claim by someone else
	 * means "busy"; one whose lease ran out (its process crashed mid-send) is taken over and retried
	 * with the same nonce and prompt, so Discord returns the first message if it did go out.
	 */
	public claim(input: ClaimInput): ClaimResult {
		return this.db
			.transaction((): ClaimResult => {
				const schedule = this.get(input.guildId, input.channelId);
				if (!schedule || schedule.held || schedule.nextDueAt.getTime() !== input.dueAt.getTime()) {
					return { kind: 'stale' };
				}
				const existing = this.post(input, input.localDate);
				const now = input.now.getTime();
				if (!existing) {
					const reflectionId = input.pick();
					if (reflectionId === undefined) return { kind: 'empty' };
					this.db
						.prepare(
							`INSERT INTO reflection_posts
								(guild_id, channel_id, local_date, status, nonce, reflection_id, claimed_by, claimed_at, first_claimed_at)
							 VALUES (?, ?, ?, 'claimed', ?, ?, ?, ?, ?)`,
						)
						.run(
							input.guildId,
							input.channelId,
							input.localDate,
							reflectionNonce(input.guildId, input.channelId, input.localDate),
							reflectionId,
							input.processId,
							now,
							now,
						);
					const post = this.post(input, input.localDate)!;
					return { kind: 'claimed', post, retry: false, lastAttemptAt: null };
				}
				if (existing.status !== 'claimed') {
					this.advance(schedule, existing.localDate, input.now);
					return { kind: 'settled', post: existing };
				}
				if (existing.claimedAt.getTime() + input.leaseMs > now) return { kind: 'busy', post: existing };
				if (existing.attempts >= input.maxAttempts) {
					this.settle(existing, 'failed', 'too-many-attempts');
					this.advance(schedule, existing.localDate, input.now);
					return { kind: 'gave-up', post: this.post(input, input.localDate)! };
				}
				this.db
					.prepare(
						`UPDATE reflection_posts SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1
						 WHERE guild_id = ? AND channel_id = ? AND local_date = ?`,
					)
					.run(input.processId, now, input.guildId, input.channelId, input.localDate);
				const post = this.post(input, input.localDate)!;
				return { kind: 'claimed', post, retry: true, lastAttemptAt: existing.claimedAt };
			})
			.immediate();
	}

	/**
	 * Records the message that went out and moves the schedule to its next day. A paused schedule that
	 * posted again is running again. Returns the pause it ended, if any.
	 */
	public markSent(
		post: Pick<ReflectionPost, 'guildId' | 'channelId' | 'localDate'>,
		sent: { messageId: string; threadId: string | null },
		now: Date,
	): ReflectionSchedule['paused'] {
		return this.db
			.transaction(() => {
				this.db
					.prepare(
						`UPDATE reflection_posts SET status = 'sent', message_id = ?, thread_id = ?, sent_at = ?, failure = NULL
						 WHERE guild_id = ? AND channel_id = ? AND local_date = ? AND status != 'sent'`,
					)
					.run(sent.messageId, sent.threadId, now.getTime(), post.guildId, post.channelId, post.localDate);
				const schedule = this.get(post.guildId, post.channelId);
				if (!schedule) return null;
				this.advance(schedule, post.localDate, now);
				this.db
					.prepare(
						`UPDATE reflection_schedules SET paused_reason = NULL, paused_detail = NULL, paused_at = NULL,
						 notified_at = NULL WHERE guild_id = ? AND channel_id = ?`,
					)
					.run(post.guildId, post.channelId);
				return schedule.paused;
			})
			.immediate();
	}

	/** Notes why an attempt failed; the claim stays, so it is retried once its lease runs out. */
	public noteFailure(post: Pick<ReflectionPost, 'guildId' | 'channelId' | 'localDate'>, failure: string): void {
		this.db
			.prepare(
				`UPDATE reflection_posts SET failure = ?
				 WHERE guild_id = ? AND channel_id = ? AND local_date = ? AND status = 'claimed'`,
			)
			.run(failure, post.guildId, post.channelId, post.localDate);
	}

	/**
	 * Pauses the schedule with a reason `status` can show. With `localDate` (the day it could not post), a
	 * claim for it still open is closed as failed and the schedule moves to its next due day, when it checks
	 * again whether it can post (or the next `save` resumes it). True when it was running until now.
	 */
	public pause(
		key: ScheduleKey,
		reason: PauseReason,
		detail: string | null,
		now: Date,
		localDate?: LocalDate,
	): boolean {
		return this.db
			.transaction(() => {
				const schedule = this.get(key.guildId, key.channelId);
				if (!schedule) return false;
				this.db
					.prepare(
						`UPDATE reflection_schedules SET paused_reason = ?, paused_detail = ?, paused_at = ?
						 WHERE guild_id = ? AND channel_id = ?`,
					)
					.run(reason, detail, now.getTime(), key.guildId, key.channelId);
				if (localDate !== undefined) {
					this.db
						.prepare(
							`UPDATE reflection_posts SET status = 'failed', failure = ?
							 WHERE guild_id = ? AND channel_id = ? AND local_date = ? AND status = 'claimed'`,
						)
						.run(reason, key.guildId, key.channelId, localDate);
					this.advance(schedule, localDate, now);
				}
				return schedule.paused === null;
			})
			.immediate();
	}

	/** Takes the one notice owed to the admin until the schedule posts again: true for the first caller only. */
	public takeNotice(key: ScheduleKey, now: Date): boolean {
		return (
			this.db
				.prepare(
					`UPDATE reflection_schedules SET notified_at = ?
					 WHERE guild_id = ? AND channel_id = ? AND notified_at IS NULL`,
				)
				.run(now.getTime(), key.guildId, key.channelId).changes > 0
		);
	}

	private settle(post: ReflectionPost, status: PostStatus, failure: string | null): void {
		this.db
			.prepare(
				'UPDATE reflection_posts SET status = ?, failure = ? WHERE guild_id = ? AND channel_id = ? AND local_date = ?',
			)
			.run(status, failure, post.guildId, post.channelId, post.localDate);
	}

	private advance(schedule: ReflectionSchedule, settledDate: LocalDate, now: Date): void {
		const taken = (date: LocalDate) => this.post(schedule, date) !== undefined;
		this.setNextDue(schedule, nextDueAfter(schedule, now, taken, settledDate));
	}

	private setNextDue(key: ScheduleKey, nextDueAt: Date): void {
		this.db
			.prepare('UPDATE reflection_schedules SET next_due_at = ? WHERE guild_id = ? AND channel_id = ?')
			.run(nextDueAt.getTime(), key.guildId, key.channelId);
	}
}
