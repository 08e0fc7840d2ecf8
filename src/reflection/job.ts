import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
	ChannelType,
	RESTJSONErrorCodes,
	DiscordAPIError,
	SnowflakeUtil,
	type Client,
	type Guild,
	type Message,
	type NewsChannel,
	type PermissionsString,
	type TextChannel,
} from 'discord.js';
import type { BotContext } from '../context.js';
import { isForbidden, isGone } from '../errors.js';
import type { Job } from '../jobs.js';
import { missing } from '../permissions.js';
import { reflectionPost, reflectionThreadName } from './render.js';
import { decide } from './schedule.js';
import { ReflectionStore, type PauseReason, type ReflectionPost, type ReflectionSchedule } from './store.js';

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

export const DEFAULT_REFLECTION_JOB: ReflectionJobOptions = {
	intervalMs: 5_000,
	leaseMs: 90_000,
	maxAttempts: 5,
	concurrency: 10,
	processId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
};

const BATCH_SIZE = 500;
const MAX_BATCHES_PER_TICK = 20;

/** The rotation pool daily posts and `/her-reflection now` share, per guild. */
export const REFLECTION_POOL = 'reflection';

export function neededPermissions(thread: boolean): PermissionsString[] {
	const base: PermissionsString[] = ['ViewChannel', 'SendMessages', 'EmbedLinks'];
	return thread ? [...base, 'CreatePublicThreads', 'SendMessagesInThreads'] : base;
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
 * or paused. All state is in SQLite, so a tick after a restart carries on where the last one stopped.
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
		const due = store.due(ctx.now(), guildIds, BATCH_SIZE);
		let next = 0;
		const worker = async (): Promise<void> => {
			// On a stop, what is in flight finishes and the rest stays due for the next start.
			while (next < due.length && !stopping?.aborted) {
				const schedule = due[next++]!;
				try {
					await runSchedule(client, ctx, store, schedule, options);
				} catch (error) {
					ctx.logger.error({ err: error, guildId: schedule.guildId }, 'daily reflection failed');
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(options.concurrency, due.length) }, worker));
		if (due.length < BATCH_SIZE || stopping?.aborted) return;
	}
}

type PostChannel = TextChannel | NewsChannel;

async function runSchedule(
	client: Client<true>,
	ctx: BotContext,
	store: ReflectionStore,
	schedule: ReflectionSchedule,
	options: ReflectionJobOptions,
): Promise<void> {
	const now = ctx.now();
	const log = ctx.logger.child({ job: 'reflection', guildId: schedule.guildId, channelId: schedule.channelId });
	const decision = decide(schedule, now);
	if (decision.kind === 'wait') return;
	if (decision.kind === 'skip') {
		if (store.skip(schedule, decision.nextDueAt, now)) {
			ctx.metrics?.dailyPost('skipped');
			log.info({ missedDate: decision.missedDate, nextDueAt: decision.nextDueAt }, 'missed a day while down; skipped');
		}
		return;
	}

	const guild = client.guilds.cache.get(schedule.guildId);
	if (!guild?.available) return;
	const pause = (reason: PauseReason, detail: string | null, localDate?: string) => {
		store.pause(schedule.guildId, reason, detail, ctx.now(), localDate);
		ctx.metrics?.dailyPost('paused');
		log.warn({ reason, detail }, 'daily reflection paused');
	};
	const channel = guild.channels.cache.get(schedule.channelId);
	if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
		pause('channel-missing', null);
		return;
	}
	const me = guild.members.me ?? (await guild.members.fetchMe());
	const lacking = missing(channel.permissionsFor(me), neededPermissions(schedule.thread));
	if (lacking.length > 0) {
		pause('missing-permissions', lacking.join(','));
		return;
	}

	const ids = ctx.dataset.reflections.map((reflection) => reflection.id);
	const claim = store.claim({
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
	if (claim.kind !== 'claimed') {
		log.debug({ claim: claim.kind, localDate: decision.localDate }, 'nothing to send');
		return;
	}
	const { post } = claim;
	try {
		const sent = await send(ctx, guild, channel, schedule, post, claim.retry);
		store.markSent(post, sent, ctx.now());
		ctx.metrics?.dailyPostSent(decision.lateByMs);
		log.info(
			{ localDate: post.localDate, messageId: sent.messageId, lateByMs: decision.lateByMs, retry: claim.retry },
			'daily reflection posted',
		);
	} catch (error) {
		if (isGone(error)) pause('channel-missing', null, post.localDate);
		else if (isForbidden(error)) pause('forbidden', null, post.localDate);
		else {
			// Left claimed: retried with the same nonce once the lease runs out, on this local date only.
			store.noteFailure(post, error instanceof Error ? error.message : String(error));
			log.warn({ err: error, localDate: post.localDate }, 'daily reflection send failed; will retry');
		}
	}
}

async function send(
	ctx: BotContext,
	guild: Guild,
	channel: PostChannel,
	schedule: ReflectionSchedule,
	post: ReflectionPost,
	retry: boolean,
): Promise<{ messageId: string; threadId: string | null }> {
	const reflection = ctx.dataset.reflections.find((candidate) => candidate.id === post.reflectionId);
	if (!reflection) throw new Error(`reflection ${post.reflectionId} is no longer in the dataset`);
	const langs = ctx.settings.publicLangs(guild);
	// A deleted role is simply not mentioned; the prompt still goes out.
	const roleId = schedule.roleId && guild.roles.cache.has(schedule.roleId) ? schedule.roleId : null;
	const message =
		(retry ? await findEarlierPost(channel, post, schedule.nextDueAt) : undefined) ??
		(await channel.send({
			...reflectionPost(ctx.dataset, reflection, langs, roleId),
			// The same nonce on every attempt: if an earlier attempt did reach Discord, it returns that message.
			nonce: post.nonce,
			enforceNonce: true,
		}));
	const threadId = schedule.thread
		? await openThread(ctx, message, reflectionThreadName(reflection, langs, post.localDate))
		: null;
	return { messageId: message.id, threadId };
}

/**
 * Discord remembers a nonce for a few minutes only, so a retry after a longer crash first looks for the
 * earlier attempt's message itself: the bot's own post since the day fell due, whose footer names the prompt.
 * (Not since the claim: a retry re-claims, and the lost attempt was sent before that.)
 */
async function findEarlierPost(channel: PostChannel, post: ReflectionPost, dueAt: Date): Promise<Message | undefined> {
	const after = SnowflakeUtil.generate({ timestamp: dueAt.getTime() - 60_000 }).toString();
	try {
		const recent = await channel.messages.fetch({ after, limit: 50, cache: false });
		return recent.find(
			(message) =>
				message.author.id === channel.client.user.id &&
				message.embeds.some((embed) => embed.footer?.text.endsWith(` · ${post.reflectionId}`)),
		);
	} catch {
		// Without Read Message History the nonce is the only guard left; sending is still better than skipping the day.
		return undefined;
	}
}

/** Opens the prompt's thread; a retried post may already have one. A failure here does not unsend the prompt. */
async function openThread(ctx: BotContext, message: Message, name: string): Promise<string | null> {
	if (message.thread) return message.thread.id;
	try {
		const thread = await message.startThread({ name, autoArchiveDuration: 1440 });
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
