import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
	ChannelType,
	RESTJSONErrorCodes,
	DiscordAPIError,
	SnowflakeUtil,
	type Client,
	type ForumChannel,
	type Guild,
	type Message,
	type NewsChannel,
	type PermissionsString,
	type TextChannel,
	type ThreadChannel,
} from 'discord.js';
import { channelObject } from '../channels.js';
import type { BotContext } from '../context.js';
import type { KnownChannel } from '../guilds.js';
import { isForbidden, isGone } from '../errors.js';
import { langOf, type Lang } from '../i18n/index.js';
import type { Job } from '../jobs.js';
import type { Logger } from '../logger.js';
import { missing } from '../permissions.js';
import { isDatabaseUnavailable } from '../store/database.js';
import { discordTime, pausedText, reflectionText } from './messages.js';
import { reflectionForumTitle, reflectionPost, reflectionThreadName } from './render.js';
import { decide } from './schedule.js';
import {
	ReflectionStore,
	type PauseReason,
	type ReflectionPost,
	type ReflectionSchedule,
	type ScheduleKey,
} from './store.js';

export interface ReflectionJobOptions {
	/** How often due schedules are looked for. */
	readonly intervalMs: number;
	/** How long an unconfirmed send is left alone before it is retried (with the same nonce). */
	readonly leaseMs: number;
	/** Unconfirmed attempts before a day is given up. */
	readonly maxAttempts: number;
	/** Posts in flight at once; discord.js queues each request under Discord's rate limits. */
	readonly concurrency: number;
	/** Names this process in claims, so an operator can tell who posted. */
	readonly processId: string;
}

/**
 * The shortest time we count on Discord to remember a message nonce. Discord says "a few minutes" and
 * documents no number, so every retry that only the nonce guards happens within this much of the first try.
 */
export const NONCE_WINDOW_FLOOR_MS = 2 * 60_000;

/**
 * Sized against that window, the only guard when the bot can't read the channel's history. discord.js
 * tries a request at most twice, 10 s each (src/client.ts), so all tries of a send end within 20 s; the lease
 * (40 s) is twice that, so a live attempt is over before another takes it up. Three attempts start within
 * 2 × (lease + tick) = 90 s of the first, and their last try ends within 110 s: inside the window. A retry
 * later than that (after a crash) looks for the earlier post in the channel instead.
 */
export const DEFAULT_REFLECTION_JOB: ReflectionJobOptions = {
	intervalMs: 5_000,
	leaseMs: 40_000,
	maxAttempts: 3,
	concurrency: 10,
	processId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
};

const BATCH_SIZE = 500;
const MAX_BATCHES_PER_TICK = 20;

/** The rotation pool daily posts and `/her-reflection now` share, per guild. */
export const REFLECTION_POOL = 'reflection';

/** What posting needs; in a forum a post is a thread, and Discord asks only for Send Messages there. */
export function neededPermissions(thread: boolean): PermissionsString[] {
	const base: PermissionsString[] = ['ViewChannel', 'SendMessages', 'EmbedLinks'];
	return thread ? [...base, 'CreatePublicThreads', 'SendMessagesInThreads'] : base;
}

/** Pinning is extra: without it the prompt still goes out, and `status` and `/her-settings check` say so. */
export const PIN_PERMISSION: PermissionsString = 'PinMessages';

/** A channel a schedule can post in: text, announcement, or forum (each prompt a new forum post). */
export type PostChannel = TextChannel | NewsChannel | ForumChannel;

export function isPostChannel<T extends { readonly type: ChannelType }>(
	channel: T | null | undefined,
): channel is T & { readonly type: PostChannel['type'] } {
	return (
		channel?.type === ChannelType.GuildText ||
		channel?.type === ChannelType.GuildAnnouncement ||
		channel?.type === ChannelType.GuildForum
	);
}

export function createReflectionJob(options: Partial<ReflectionJobOptions> = {}): Job {
	const settings = { ...DEFAULT_REFLECTION_JOB, ...options };
	return {
		name: 'reflection',
		intervalMs: settings.intervalMs,
		run: (client, ctx, stopping) => runDueReflections(client, ctx, settings, stopping),
	};
}

export const reflectionJob = createReflectionJob();

/**
 * One tick: every schedule due now, among the guilds this client (or shard) serves, is posted, skipped
 * or paused. All state is in the database, so a tick after a restart carries on where the last one stopped.
 * A database that is away ends the tick with its error, for the job runner to report: nothing was recorded
 * as failed or paused, so the next tick carries on (a claim in flight is retried after its lease, with its
 * nonce, and finds the post if it went out).
 */
export async function runDueReflections(
	client: Client<true>,
	ctx: BotContext,
	options: ReflectionJobOptions = DEFAULT_REFLECTION_JOB,
	stopping?: AbortSignal,
): Promise<void> {
	const store = new ReflectionStore(ctx.db);
	const guildIds = [...client.guilds.cache.keys()];
	// A full batch means more are due: take the next one at once rather than a tick later, so a thousand
	// servers due in one minute go out at Discord's rate, not in bursts. Capped so busy claims can't spin.
	for (let round = 0; round < MAX_BATCHES_PER_TICK; round++) {
		const due = await store.due(ctx.now(), guildIds, BATCH_SIZE);
		let next = 0;
		let outage: { error: unknown } | undefined;
		const worker = async (): Promise<void> => {
			// On a stop or an outage, what is in flight finishes and the rest stays due for the next tick.
			while (next < due.length && !stopping?.aborted && !outage) {
				const schedule = due[next++]!;
				try {
					await runSchedule(client, ctx, store, schedule, options);
				} catch (error) {
					if (isDatabaseUnavailable(error)) outage ??= { error };
					else ctx.logger.error({ err: error, guildId: schedule.guildId }, 'daily reflection failed');
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(options.concurrency, due.length) }, worker));
		if (outage) throw outage.error;
		if (due.length < BATCH_SIZE || stopping?.aborted) return;
	}
}

async function runSchedule(
	client: Client<true>,
	ctx: BotContext,
	store: ReflectionStore,
	schedule: ReflectionSchedule,
	options: ReflectionJobOptions,
): Promise<void> {
	const now = ctx.now();
	const log = ctx.logger.child({ job: 'reflection', guildId: schedule.guildId, channelId: schedule.channelId });
	const key: ScheduleKey = schedule;
	const decision = decide(schedule, now);
	if (decision.kind === 'wait') return;
	if (decision.kind === 'skip') {
		if (await store.skip(schedule, decision.nextDueAt, now)) {
			ctx.metrics?.dailyPost('skipped');
			log.info({ missedDate: decision.missedDate, nextDueAt: decision.nextDueAt }, 'missed a day while down; skipped');
		}
		return;
	}

	const guild = client.guilds.cache.get(schedule.guildId);
	if (!guild?.available) return;
	const pause = async (reason: PauseReason, detail: string | null) => {
		if (!(await store.pause(key, reason, detail, ctx.now(), decision.localDate))) {
			log.info({ reason, detail }, 'daily reflection still paused; skipped the day');
			return;
		}
		ctx.metrics?.dailyPost('paused');
		log.warn({ reason, detail }, 'daily reflection paused');
		const next = discordTime((await store.get(schedule.guildId, schedule.channelId))?.nextDueAt ?? now);
		await tellAdmin(client, ctx, store, guild, key, log, (lang) => {
			const t = reflectionText[lang];
			const why = pausedText(lang, { reason, detail, at: now });
			return `${t.pausedNotice(guild.name, `<#${schedule.channelId}>`, why)}\n${t.resumeHint(next)}`;
		});
	};
	const known = ctx.guilds.channel(schedule.guildId, schedule.channelId);
	const channel = known && channelObject(client, known);
	if (!isPostChannel(known) || !isPostChannel(channel)) {
		await pause('channel-missing', null);
		return;
	}
	const granted = ctx.guilds.permissionsIn(known);
	const forum = channel.type === ChannelType.GuildForum;
	const lacking = missing(granted, neededPermissions(schedule.thread && !forum));
	if (lacking.length > 0) {
		await pause('missing-permissions', lacking.join(','));
		return;
	}

	const ids = ctx.dataset.reflections.map((reflection) => reflection.id);
	const claim = await store.claim({
		guildId: schedule.guildId,
		localDate: decision.localDate,
		dueAt: schedule.nextDueAt,
		channelId: channel.id,
		processId: options.processId,
		now: ctx.now(),
		leaseMs: options.leaseMs,
		maxAttempts: options.maxAttempts,
		pick: () => ctx.rotation.next(schedule.guildId, REFLECTION_POOL, ids, ctx.random, now),
	});
	if (claim.kind === 'gave-up') {
		const { post } = claim;
		log.warn(
			{ localDate: post.localDate, attempts: post.attempts, failure: post.failure },
			'daily reflection given up',
		);
		const next = (await store.get(schedule.guildId, schedule.channelId))?.nextDueAt ?? now;
		await tellAdmin(client, ctx, store, guild, key, log, (lang) =>
			reflectionText[lang].gaveUpNotice(
				guild.name,
				`<#${channel.id}>`,
				post.localDate,
				post.attempts,
				discordTime(next),
			),
		);
		return;
	}
	if (claim.kind !== 'claimed') {
		log.debug({ claim: claim.kind, localDate: decision.localDate }, 'nothing to send');
		return;
	}
	const { post } = claim;
	const previous = schedule.pin && !forum ? await store.lastSent(key) : undefined;
	try {
		// An earlier attempt went out, if at all, between the first claim and the end of the last one's lease.
		const window = claim.lastAttemptAt && {
			from: post.firstClaimedAt,
			to: new Date(claim.lastAttemptAt.getTime() + options.leaseMs),
		};
		const sent =
			channel.type === ChannelType.GuildForum
				? await sendForumPost(ctx, guild, channel, known, schedule, post, window)
				: await send(
						ctx,
						guild,
						channel,
						schedule,
						post,
						// Without Read Message History, Discord lists no messages: the nonce alone guards the retry.
						window && granted.has('ReadMessageHistory', true)
							? await findEarlierPost(channel, post, window)
							: undefined,
					);
		const resumed = await store.markSent(post, sent, ctx.now());
		ctx.metrics?.dailyPostSent(decision.lateByMs);
		log.info(
			{ localDate: post.localDate, messageId: sent.messageId, lateByMs: decision.lateByMs, retry: claim.retry },
			'daily reflection posted',
		);
		if (resumed) log.info({ pausedFor: resumed.reason }, 'daily reflection resumed');
		if (schedule.pin && !forum) {
			await repin(channel, sent.messageId, previous?.messageId ?? null, granted.has(PIN_PERMISSION, true), log);
		}
	} catch (error) {
		// Not the post's fault: the claim stays as it is, and its retry once the database is back finds the
		// message if it went out (by its nonce, or in the channel).
		if (isDatabaseUnavailable(error)) throw error;
		if (isGone(error)) await pause('channel-missing', null);
		else if (isForbidden(error)) await pause('forbidden', null);
		else {
			// Left claimed: retried with the same nonce once the lease runs out, on this local date only.
			await store.noteFailure(post, error instanceof Error ? error.message : String(error));
			log.warn({ err: error, localDate: post.localDate }, 'daily reflection send failed; will retry');
		}
	}
}

/**
 * Tells the admin who set the schedule, once until it posts again, in their language: a DM, or, when their
 * DMs are closed to the bot, a warn line for the operator with what they would have read.
 */
async function tellAdmin(
	client: Client<true>,
	ctx: BotContext,
	store: ReflectionStore,
	guild: Guild,
	key: ScheduleKey,
	log: Logger,
	notice: (lang: Lang) => string,
): Promise<void> {
	const schedule = await store.get(key.guildId, key.channelId);
	if (!schedule || !(await store.takeNotice(key, ctx.now()))) return;
	const lang = langOf(schedule.updatedLocale ?? guild.preferredLocale);
	try {
		const dm = await client.users.createDM(schedule.updatedBy, { cache: false });
		await dm.send({ content: notice(lang), allowedMentions: { parse: [] } });
		log.info({ userId: schedule.updatedBy }, 'told the admin about the daily reflection');
	} catch (error) {
		log.warn(
			{ err: error, userId: schedule.updatedBy, notice: notice('en') },
			'could not DM the admin about the daily reflection',
		);
	}
}

interface Sent {
	readonly messageId: string;
	readonly threadId: string | null;
}

/** The prompt and what renders it: the server's languages and the role to mention (a deleted one is left out). */
async function prepare(ctx: BotContext, guild: Guild, schedule: ReflectionSchedule, post: ReflectionPost) {
	const reflection = ctx.dataset.reflections.find((candidate) => candidate.id === post.reflectionId);
	if (!reflection) throw new Error(`reflection ${post.reflectionId} is no longer in the dataset`);
	const langs = await ctx.settings.publicLangs(guild);
	const roleId = schedule.roleId && ctx.guilds.role(guild.id, schedule.roleId) ? schedule.roleId : null;
	return { reflection, langs, payload: reflectionPost(ctx.dataset, reflection, langs, roleId) };
}

async function send(
	ctx: BotContext,
	guild: Guild,
	channel: TextChannel | NewsChannel,
	schedule: ReflectionSchedule,
	post: ReflectionPost,
	earlier: Message | undefined,
): Promise<Sent> {
	const { reflection, langs, payload } = await prepare(ctx, guild, schedule, post);
	const message =
		earlier ??
		(await channel.send({
			...payload,
			// The same nonce on every attempt: if an earlier attempt did reach Discord, it returns that message.
			nonce: post.nonce,
			enforceNonce: true,
		}));
	const threadId = schedule.thread
		? await openThread(ctx, channel, message, reflectionThreadName(reflection, langs, post.localDate))
		: null;
	return { messageId: message.id, threadId };
}

/** How far Discord's clock (a message id's time) and this process's may disagree. */
const CLOCK_SKEW_MS = 60_000;
/** Discord's largest history page. */
const PAGE_SIZE = 100;
/** 5,000 messages: a channel busier than that while the attempts ran is searched again on the next try. */
const MAX_SEARCH_PAGES = 50;

/**
 * Discord remembers a nonce for a few minutes only, so a retry after a longer crash first looks for the
 * earlier attempts' message itself: the bot's own post, whose footer names the prompt, among the messages
 * from the first attempt on, page by page (oldest first) until past the last attempt's lease. Only a
 * channel the bot may not read (403) leaves the nonce alone to guard; any other failure (a 5xx, a timeout)
 * is thrown, so the day is tried again later rather than sent blind.
 */
async function findEarlierPost(
	channel: TextChannel | NewsChannel,
	post: ReflectionPost,
	window: { from: Date; to: Date },
): Promise<Message | undefined> {
	const end = SnowflakeUtil.generate({ timestamp: window.to.getTime() + CLOCK_SKEW_MS });
	let after = SnowflakeUtil.generate({ timestamp: window.from.getTime() - CLOCK_SKEW_MS });
	for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
		let messages;
		try {
			messages = await channel.messages.fetch({ after: after.toString(), limit: PAGE_SIZE, cache: false });
		} catch (error) {
			if (isForbidden(error)) return undefined;
			throw error;
		}
		const found = messages.find(
			(message) =>
				message.author.id === channel.client.user.id &&
				!message.interactionMetadata &&
				message.embeds.some((embed) => embed.footer?.text.endsWith(` · ${post.reflectionId}`)),
		);
		if (found) return found;
		if (messages.size < PAGE_SIZE) return undefined;
		for (const id of messages.keys()) if (BigInt(id) > after) after = BigInt(id);
		if (after > end) return undefined;
	}
	throw new Error(`no earlier post among ${MAX_SEARCH_PAGES * PAGE_SIZE} messages since the first attempt`);
}

/**
 * A forum post: a new thread whose starter message is the prompt, titled with its short form and tagged
 * with the schedule's tag while the forum still has it. Discord takes no nonce here, so a retry (`window`)
 * first looks for the post among the guild's active threads: one the bot opened in this forum, with this
 * day's title, created while the attempts ran. A post stays active a day at least (it archives after 24 h
 * without activity), longer than a day's retries; a failed look-up is thrown, so nothing is posted blind.
 */
async function sendForumPost(
	ctx: BotContext,
	guild: Guild,
	forum: ForumChannel,
	known: KnownChannel,
	schedule: ReflectionSchedule,
	post: ReflectionPost,
	window: { from: Date; to: Date } | null,
): Promise<Sent> {
	const { reflection, langs, payload } = await prepare(ctx, guild, schedule, post);
	const name = reflectionForumTitle(reflection, langs, post.localDate);
	const earlier = window ? await findEarlierForumPost(forum, name, window) : undefined;
	const thread =
		earlier ??
		(await forum.threads.create({
			name,
			autoArchiveDuration: 1440,
			message: payload,
			...(schedule.forumTagId && known.tags?.some((tag) => tag.id === schedule.forumTagId)
				? { appliedTags: [schedule.forumTagId] }
				: {}),
		}));
	// A forum post's starter message has the thread's id.
	return { messageId: thread.id, threadId: thread.id };
}

async function findEarlierForumPost(
	forum: ForumChannel,
	name: string,
	window: { from: Date; to: Date },
): Promise<ThreadChannel | undefined> {
	const { threads } = await forum.threads.fetchActive(false);
	return threads.find((thread) => {
		const createdAt = SnowflakeUtil.timestampFrom(thread.id);
		return (
			thread.ownerId === forum.client.user.id &&
			thread.name === name &&
			createdAt >= window.from.getTime() - CLOCK_SKEW_MS &&
			createdAt <= window.to.getTime() + CLOCK_SKEW_MS
		);
	});
}

/**
 * Pins the new prompt and unpins the one before. Optional: without Pin Messages, or when Discord refuses,
 * the prompt is out anyway and the next one tries again.
 */
async function repin(
	channel: TextChannel | NewsChannel,
	messageId: string,
	previousId: string | null,
	allowed: boolean,
	log: Logger,
): Promise<void> {
	if (!allowed) {
		log.info({ messageId }, 'daily reflection not pinned: no Pin Messages');
		return;
	}
	try {
		await channel.messages.pin(messageId);
		if (previousId && previousId !== messageId) await channel.messages.unpin(previousId);
	} catch (error) {
		// The previous prompt may be deleted or unpinned by hand already.
		if (!isGone(error)) log.warn({ err: error, messageId, previousId }, 'could not repin the daily reflection');
	}
}

/**
 * Opens the prompt's thread; a retried post may already have one (a thread opened on a message has the
 * message's id). A failure here does not unsend the prompt.
 */
async function openThread(
	ctx: BotContext,
	channel: TextChannel | NewsChannel,
	message: Message,
	name: string,
): Promise<string | null> {
	if (message.hasThread) return message.id;
	try {
		const thread = await channel.threads.create({ name, autoArchiveDuration: 1440, startMessage: message });
		return thread.id;
	} catch (error) {
		if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage)) {
			ctx.logger.warn(
				{ err: error, guildId: message.guildId, messageId: message.id },
				'could not open a reflection thread',
			);
		}
		return null;
	}
}
