import { sql, type Selectable, type Updateable } from 'kysely';
import { databaseKind, inList, type Db } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { nextDueAfter, reflectionNonce } from './schedule.js';
import { EVERY_DAY, localDateOf, type DailyTime, type LocalDate, type WeekDays } from './time.js';

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
	/** Another attempt holds a fresh claim, or another host is claiming right now: leave it alone. */
	| { readonly kind: 'busy' }
	/** The schedule was stopped or moved since it was read (or the day's post changed under the claim). */
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
	/**
	 * Picks the prompt for a new claim. It runs before the claim's transaction and only while the day has no
	 * post yet, so retries never pick; a pick that loses a race to another process goes unused.
	 */
	readonly pick: () => Promise<string | undefined>;
}

type ScheduleRow = Selectable<Tables['reflection_schedules']>;
type PostRow = Selectable<Tables['reflection_posts']>;
type PostKey = Pick<ReflectionPost, 'guildId' | 'channelId' | 'localDate'>;

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
				: {
						reason: row.paused_reason as PauseReason,
						detail: row.paused_detail,
						at: new Date(row.paused_at ?? 0),
					},
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

/** Posts that failed because of what an admin fixes by saving the schedule again (channel, permissions). */
const FIXABLE_FAILURES = ['channel-missing', 'missing-permissions', 'forbidden'];

const DAY_MS = 86_400_000;

/** The columns naming a schedule, for a `where` on either table. */
const ofSchedule = (key: ScheduleKey) => ({ guild_id: key.guildId, channel_id: key.channelId });
const ofPost = (post: PostKey) => ({ ...ofSchedule(post), local_date: post.localDate });

/**
 * The daily reflection's state, in SQLite or PostgreSQL. Every step that decides who posts what reads and
 * changes a schedule in one transaction holding that schedule's row (on SQLite, an IMMEDIATE transaction
 * holds the whole file), so processes on one host or several take turns and one local date gets one post
 * per schedule (a server's schedule in one channel).
 */
export class ReflectionStore {
	public constructor(private readonly db: Db) {}

	/** The schedule in `channelId`; without one, the server's oldest (most servers have one). */
	public async get(guildId: string, channelId?: string): Promise<ReflectionSchedule | undefined> {
		const row = await this.db
			.selectFrom('reflection_schedules')
			.selectAll()
			.where('guild_id', '=', guildId)
			.$if(channelId !== undefined, (query) => query.where('channel_id', '=', channelId!))
			.orderBy('created_at')
			.orderBy('channel_id')
			.limit(1)
			.executeTakeFirst();
		return row && toSchedule(row);
	}

	/** The server's schedules, oldest first. */
	public async list(guildId: string): Promise<ReflectionSchedule[]> {
		const rows = await this.db
			.selectFrom('reflection_schedules')
			.selectAll()
			.where('guild_id', '=', guildId)
			.orderBy('created_at')
			.orderBy('channel_id')
			.execute();
		return rows.map(toSchedule);
	}

	public async post(key: ScheduleKey, localDate: LocalDate): Promise<ReflectionPost | undefined> {
		return readPost(this.db, { ...key, localDate });
	}

	/** The schedule's last prompt that went out: the jump link and reply count in `status`, the pin to replace. */
	public async lastSent(key: ScheduleKey): Promise<ReflectionPost | undefined> {
		const row = await this.db
			.selectFrom('reflection_posts')
			.selectAll()
			.where((eb) => eb.and(ofSchedule(key)))
			.where('status', '=', 'sent')
			.orderBy('local_date', 'desc')
			.limit(1)
			.executeTakeFirst();
		return row && toPost(row);
	}

	/**
	 * Creates the schedule in the input's channel, or edits the one there, and resumes it if it stopped by
	 * itself (a pause by an admin stays until `resume`). The first due time skips any local date that already
	 * has a post, so moving today's time later never posts twice today.
	 */
	public async save(input: ScheduleInput, now: Date): Promise<ReflectionSchedule> {
		return this.db.transaction().execute(async (trx) => {
			await lockSchedule(trx, input);
			// A day that failed because of what the admin is fixing now may still go out.
			await trx
				.deleteFrom('reflection_posts')
				.where((eb) => eb.and(ofSchedule(input)))
				.where('status', '=', 'failed')
				.where('failure', 'in', FIXABLE_FAILURES)
				.execute();
			const schedule = { ...input, days: input.days ?? EVERY_DAY };
			const taken = await takenDates(trx, schedule, now);
			const settings = {
				time: input.time,
				time_zone: input.timeZone,
				role_id: input.roleId,
				thread: input.thread ? 1 : 0,
				days: schedule.days,
				pin: input.pin ? 1 : 0,
				forum_tag_id: input.forumTagId ?? null,
				next_due_at: nextDueAfter(schedule, now, isIn(taken)).getTime(),
				updated_by: input.updatedBy,
				updated_locale: input.updatedLocale ?? null,
				updated_at: now.getTime(),
			};
			// Made after every other schedule of the server, even two in one millisecond: they list in that order.
			const createdAt = sql<number>`(SELECT CASE WHEN MAX(created_at) >= ${now.getTime()} THEN MAX(created_at) + 1
				ELSE ${now.getTime()} END FROM reflection_schedules WHERE guild_id = ${input.guildId})`;
			const row = await trx
				.insertInto('reflection_schedules')
				.values({ ...ofSchedule(input), ...settings, created_at: createdAt })
				.onConflict((conflict) =>
					conflict.columns(['guild_id', 'channel_id']).doUpdateSet({
						...settings,
						paused_reason: null,
						paused_detail: null,
						paused_at: null,
						notified_at: null,
					}),
				)
				.returningAll()
				.executeTakeFirstOrThrow();
			return toSchedule(row);
		});
	}

	/** Stops the schedule; its post history stays. False when there was none. */
	public async remove(key: ScheduleKey): Promise<boolean> {
		const result = await this.db
			.deleteFrom('reflection_schedules')
			.where((eb) => eb.and(ofSchedule(key)))
			.executeTakeFirst();
		return result.numDeletedRows > 0n;
	}

	/**
	 * Schedules due at `now`, among `guildIds` (the guilds this process, or shard, serves). Paused ones too
	 * (not those an admin paused): each due day checks again whether what paused it is fixed, so a schedule
	 * resumes by itself.
	 */
	public async due(now: Date, guildIds: readonly string[], limit = 500): Promise<ReflectionSchedule[]> {
		if (guildIds.length === 0) return [];
		const rows = await this.db
			.selectFrom('reflection_schedules')
			.selectAll()
			.where('next_due_at', '<=', now.getTime())
			.where('held_at', 'is', null)
			.where(inList(this.db, 'guild_id', guildIds))
			.orderBy('next_due_at')
			.limit(limit)
			.execute();
		return rows.map(toSchedule);
	}

	/**
	 * Moves a schedule whose day was missed on to `nextDueAt`, if no one moved it meanwhile. A claim
	 * left unconfirmed on a past day is closed as such: it is never retried on a later day.
	 */
	public async skip(schedule: ReflectionSchedule, nextDueAt: Date, now: Date): Promise<boolean> {
		return this.db.transaction().execute(async (trx) => {
			const current = await lockSchedule(trx, schedule);
			const moved = current?.nextDueAt.getTime() === schedule.nextDueAt.getTime();
			if (moved) await setNextDue(trx, schedule, nextDueAt);
			await trx
				.updateTable('reflection_posts')
				.set({ status: 'failed', failure: 'unconfirmed' })
				.where((eb) => eb.and(ofSchedule(schedule)))
				.where('status', '=', 'claimed')
				.where('local_date', '<', localDateOf(now, schedule.timeZone))
				.execute();
			return moved;
		});
	}

	/**
	 * An admin's `skip`: the next day the schedule would post (not one already going out) is marked skipped,
	 * and the schedule moves past it. Returns that day and the post after it; undefined without a schedule.
	 */
	public async skipNext(key: ScheduleKey, now: Date): Promise<{ skipped: LocalDate; nextDueAt: Date } | undefined> {
		return this.db.transaction().execute(async (trx) => {
			const schedule = await lockSchedule(trx, key);
			if (!schedule) return undefined;
			const dates = await takenDates(trx, schedule, schedule.nextDueAt < now ? schedule.nextDueAt : now);
			const taken = isIn(dates);
			// A held schedule's due time is stale: its next day is the one `resume` would post first.
			const upcoming = schedule.held ? nextDueAfter(schedule, now, taken) : schedule.nextDueAt;
			let skipped = localDateOf(upcoming, schedule.timeZone);
			if (taken(skipped)) skipped = localDateOf(nextDueAfter(schedule, now, taken, skipped), schedule.timeZone);
			await trx
				.insertInto('reflection_posts')
				.values({
					...ofPost({ ...key, localDate: skipped }),
					status: 'skipped',
					nonce: '',
					reflection_id: '',
					claimed_by: 'admin',
					claimed_at: now.getTime(),
					attempts: 0,
				})
				.execute();
			dates.add(skipped);
			const nextDueAt =
				skipped === localDateOf(schedule.nextDueAt, schedule.timeZone) || schedule.held
					? nextDueAfter(schedule, now, taken, skipped)
					: schedule.nextDueAt;
			await setNextDue(trx, schedule, nextDueAt);
			return { skipped, nextDueAt };
		});
	}

	/** An admin's `pause`: nothing is due until `resume`. False when it was already held (or there is none). */
	public async hold(key: ScheduleKey, userId: string, now: Date): Promise<boolean> {
		const result = await this.db
			.updateTable('reflection_schedules')
			.set({ held_at: now.getTime(), held_by: userId })
			.where((eb) => eb.and(ofSchedule(key)))
			.where('held_at', 'is', null)
			.executeTakeFirst();
		return result.numUpdatedRows > 0n;
	}

	/**
	 * An admin's `resume`: due again from the next due time after `now` (days passed while held are never
	 * posted, nor today's if its time has gone by). Returns the schedule, or undefined when it was not held.
	 */
	public async release(key: ScheduleKey, now: Date): Promise<ReflectionSchedule | undefined> {
		return this.db.transaction().execute(async (trx) => {
			const schedule = await lockSchedule(trx, key);
			if (!schedule?.held) return undefined;
			const taken = await takenDates(trx, schedule, now);
			const row = await trx
				.updateTable('reflection_schedules')
				.set({ held_at: null, held_by: null, next_due_at: nextDueAfter(schedule, now, isIn(taken)).getTime() })
				.where((eb) => eb.and(ofSchedule(key)))
				.returningAll()
				.executeTakeFirstOrThrow();
			return toSchedule(row);
		});
	}

	/**
	 * Claims the schedule's post for `localDate` before anything is sent. A fresh claim by someone else
	 * means "busy"; one whose lease ran out (its process crashed mid-send) is taken over and retried
	 * with the same nonce and prompt, so Discord returns the first message if it did go out.
	 */
	public async claim(input: ClaimInput): Promise<ClaimResult> {
		// The prompt is picked first: the rotation commits its pick in a transaction of its own, which could not
		// begin inside this one on SQLite's single connection. Only a day with no post yet picks, so a retry or a
		// busy tick never uses a prompt up; a pick that loses the day to another process at that very moment
		// just leaves that prompt seen, and it comes back in the next round.
		const unposted = (await this.post(input, input.localDate)) === undefined;
		const reflectionId = unposted ? await input.pick() : undefined;
		if (unposted && reflectionId === undefined) return { kind: 'empty' };

		return this.db.transaction().execute(async (trx): Promise<ClaimResult> => {
			// Another host holding the row is claiming right now: busy, without waiting for it.
			const schedule = await lockSchedule(trx, input, { skipLocked: true });
			if (!schedule) return (await readSchedule(trx, input)) ? { kind: 'busy' } : { kind: 'stale' };
			if (schedule.held || schedule.nextDueAt.getTime() !== input.dueAt.getTime()) return { kind: 'stale' };
			const existing = await readPost(trx, input);
			const now = input.now.getTime();
			if (!existing) {
				// The day had a post when the claim began, so no prompt was picked, and it is gone now (a save cleared
				// a failed day): the next tick decides again.
				if (reflectionId === undefined) return { kind: 'stale' };
				const inserted = await trx
					.insertInto('reflection_posts')
					.values({
						...ofPost(input),
						status: 'claimed',
						nonce: reflectionNonce(input.guildId, input.channelId, input.localDate),
						reflection_id: reflectionId,
						claimed_by: input.processId,
						claimed_at: now,
						first_claimed_at: now,
					})
					.onConflict((conflict) => conflict.columns(['guild_id', 'channel_id', 'local_date']).doNothing())
					.returningAll()
					.executeTakeFirst();
				// Nothing inserted: someone else's claim got there first, and the day is theirs.
				if (!inserted) return { kind: 'busy' };
				return { kind: 'claimed', post: toPost(inserted), retry: false, lastAttemptAt: null };
			}
			if (existing.status !== 'claimed') {
				await advance(trx, schedule, existing.localDate, input.now);
				return { kind: 'settled', post: existing };
			}
			if (existing.claimedAt.getTime() + input.leaseMs > now) return { kind: 'busy' };
			if (existing.attempts >= input.maxAttempts) {
				const failed = await trx
					.updateTable('reflection_posts')
					.set({ status: 'failed', failure: 'too-many-attempts' })
					.where((eb) => eb.and(ofPost(input)))
					.returningAll()
					.executeTakeFirstOrThrow();
				await advance(trx, schedule, existing.localDate, input.now);
				return { kind: 'gave-up', post: toPost(failed) };
			}
			const retried = await trx
				.updateTable('reflection_posts')
				.set((eb) => ({ claimed_by: input.processId, claimed_at: now, attempts: eb('attempts', '+', 1) }))
				.where((eb) => eb.and(ofPost(input)))
				.returningAll()
				.executeTakeFirstOrThrow();
			return { kind: 'claimed', post: toPost(retried), retry: true, lastAttemptAt: existing.claimedAt };
		});
	}

	/**
	 * Records the message that went out and moves the schedule to its next day. A paused schedule that
	 * posted again is running again. Returns the pause it ended, if any.
	 */
	public async markSent(
		post: PostKey,
		sent: { messageId: string; threadId: string | null },
		now: Date,
	): Promise<ReflectionSchedule['paused']> {
		return this.db.transaction().execute(async (trx) => {
			const schedule = await lockSchedule(trx, post);
			await trx
				.updateTable('reflection_posts')
				.set({
					status: 'sent',
					message_id: sent.messageId,
					thread_id: sent.threadId,
					sent_at: now.getTime(),
					failure: null,
				})
				.where((eb) => eb.and(ofPost(post)))
				.where('status', '!=', 'sent')
				.execute();
			if (!schedule) return null;
			await advance(trx, schedule, post.localDate, now, {
				paused_reason: null,
				paused_detail: null,
				paused_at: null,
				notified_at: null,
			});
			return schedule.paused;
		});
	}

	/** Notes why an attempt failed; the claim stays, so it is retried once its lease runs out. */
	public async noteFailure(post: PostKey, failure: string): Promise<void> {
		await this.db
			.updateTable('reflection_posts')
			.set({ failure })
			.where((eb) => eb.and(ofPost(post)))
			.where('status', '=', 'claimed')
			.execute();
	}

	/**
	 * Pauses the schedule with a reason `status` can show. With `localDate` (the day it could not post), a
	 * claim for it still open is closed as failed and the schedule moves to its next due day, when it checks
	 * again whether it can post (or the next `save` resumes it). True when it was running until now.
	 */
	public async pause(
		key: ScheduleKey,
		reason: PauseReason,
		detail: string | null,
		now: Date,
		localDate?: LocalDate,
	): Promise<boolean> {
		return this.db.transaction().execute(async (trx) => {
			const schedule = await lockSchedule(trx, key);
			if (!schedule) return false;
			const paused = { paused_reason: reason, paused_detail: detail, paused_at: now.getTime() };
			if (localDate === undefined) {
				await trx
					.updateTable('reflection_schedules')
					.set(paused)
					.where((eb) => eb.and(ofSchedule(key)))
					.execute();
			} else {
				await trx
					.updateTable('reflection_posts')
					.set({ status: 'failed', failure: reason })
					.where((eb) => eb.and(ofPost({ ...key, localDate })))
					.where('status', '=', 'claimed')
					.execute();
				await advance(trx, schedule, localDate, now, paused);
			}
			return schedule.paused === null;
		});
	}

	/** Takes the one notice owed to the admin until the schedule posts again: true for the first caller only. */
	public async takeNotice(key: ScheduleKey, now: Date): Promise<boolean> {
		const result = await this.db
			.updateTable('reflection_schedules')
			.set({ notified_at: now.getTime() })
			.where((eb) => eb.and(ofSchedule(key)))
			.where('notified_at', 'is', null)
			.executeTakeFirst();
		return result.numUpdatedRows > 0n;
	}
}

async function readSchedule(db: Db, key: ScheduleKey): Promise<ReflectionSchedule | undefined> {
	const row = await db
		.selectFrom('reflection_schedules')
		.selectAll()
		.where((eb) => eb.and(ofSchedule(key)))
		.executeTakeFirst();
	return row && toSchedule(row);
}

/**
 * The schedule's row, read to be changed in this transaction. On PostgreSQL the row is locked until the
 * transaction ends (SQLite's IMMEDIATE transaction holds the whole file already); with `skipLocked`, a row
 * another host holds reads as missing at once instead of being waited for.
 */
async function lockSchedule(
	trx: Db,
	key: ScheduleKey,
	{ skipLocked = false } = {},
): Promise<ReflectionSchedule | undefined> {
	const row = await trx
		.selectFrom('reflection_schedules')
		.selectAll()
		.where((eb) => eb.and(ofSchedule(key)))
		.$if(databaseKind(trx) === 'postgres', (query) => (skipLocked ? query.forUpdate().skipLocked() : query.forUpdate()))
		.executeTakeFirst();
	return row && toSchedule(row);
}

async function readPost(db: Db, post: PostKey): Promise<ReflectionPost | undefined> {
	const row = await db
		.selectFrom('reflection_posts')
		.selectAll()
		.where((eb) => eb.and(ofPost(post)))
		.executeTakeFirst();
	return row && toPost(row);
}

/**
 * The local dates that already have a post (of any status) from shortly before `from` on: every date
 * rescheduling may land on, read once for `nextDueAfter`. Two days' margin covers the widest gap
 * between two time zones, should the schedule's zone have changed.
 */
async function takenDates(db: Db, schedule: ScheduleKey & DailyTime, from: Date): Promise<Set<LocalDate>> {
	const rows = await db
		.selectFrom('reflection_posts')
		.select('local_date')
		.where((eb) => eb.and(ofSchedule(schedule)))
		.where('local_date', '>=', localDateOf(from.getTime() - 2 * DAY_MS, schedule.timeZone))
		.execute();
	return new Set(rows.map((row) => row.local_date));
}

const isIn = (dates: ReadonlySet<LocalDate>) => (date: LocalDate) => dates.has(date);

/** Moves the schedule to its first due day after `settledDate` without a post, with `also` changed alike. */
async function advance(
	trx: Db,
	schedule: ReflectionSchedule,
	settledDate: LocalDate,
	now: Date,
	also: Updateable<Tables['reflection_schedules']> = {},
): Promise<void> {
	const taken = await takenDates(trx, schedule, now);
	await trx
		.updateTable('reflection_schedules')
		.set({ ...also, next_due_at: nextDueAfter(schedule, now, isIn(taken), settledDate).getTime() })
		.where((eb) => eb.and(ofSchedule(schedule)))
		.execute();
}

async function setNextDue(trx: Db, key: ScheduleKey, nextDueAt: Date): Promise<void> {
	await trx
		.updateTable('reflection_schedules')
		.set({ next_due_at: nextDueAt.getTime() })
		.where((eb) => eb.and(ofSchedule(key)))
		.execute();
}
