import {
	DiscordAPIError,
	GuildScheduledEventStatus,
	RESTJSONErrorCodes,
	type Client,
	type Guild,
	type MessageCreateOptions,
	type SendableChannels,
} from 'discord.js';
import type { BotContext } from '../context.js';
import { isForbidden } from '../errors.js';
import type { Lang } from '../i18n/index.js';
import type { Job } from '../jobs.js';
import { beatPayload, controlPayload, countdownContent, welcomePayload, wrapUpPayload } from './render.js';
import {
	WRAP_UP_KEY,
	beatKey,
	watchPartyStore,
	type EndReason,
	type Party,
	type PostClaim,
	type WatchPartyStore,
} from './store.js';
import { countdownStepAt, dueBeats, eventWindow, pausedTooLongSince, staleSince, wrapUpDue } from './timeline.js';

export const WATCH_PARTY_JOB = 'watch-party';
/** A setup that never finished (the process died mid-way) releases its channel after this long. */
export const SETUP_TIMEOUT_MS = 5 * 60_000;
/** Discord deduplicates a nonce for a few minutes; an unconfirmed send is retried only within this window. */
export const NONCE_RETRY_WINDOW_MS = 2 * 60_000;
/** Transient failures in a row (5xx, network) before a party is ended instead of retried forever. */
export const MAX_FAILURES = 5;
/** Discord refuses an event start in the past; one closer than this is about to be marked active anyway. */
const EVENT_MOVE_MIN_LEAD_MS = 5_000;

export function partyStore(ctx: BotContext): WatchPartyStore {
	return watchPartyStore(ctx.db, ctx.dataset.watchParty);
}

/** The party's thread (or channel) is not a place the bot can post any more. */
class PartyChannelGone extends Error {}

/** Why Discord's answer means the party can't go on, or undefined for a failure worth retrying. */
function terminalReason(error: unknown): EndReason | undefined {
	if (error instanceof PartyChannelGone) return 'channel-gone';
	if (
		error instanceof DiscordAPIError &&
		(error.code === RESTJSONErrorCodes.UnknownChannel || error.code === RESTJSONErrorCodes.UnknownGuild)
	) {
		return 'channel-gone';
	}
	if (isForbidden(error)) return 'forbidden';
	if (
		error instanceof DiscordAPIError &&
		(error.code === RESTJSONErrorCodes.ThreadLocked ||
			error.code === RESTJSONErrorCodes.InvalidActionOnArchivedThread ||
			error.status === 403)
	) {
		return 'forbidden';
	}
	return undefined;
}

const isUnknownMessage = (error: unknown) =>
	error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage;
const isArchived = (error: unknown) =>
	error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.InvalidActionOnArchivedThread;

async function partyChannel(client: Client<true>, party: Party): Promise<SendableChannels> {
	if (!party.threadId) throw new PartyChannelGone();
	const channel = await client.channels.fetch(party.threadId);
	if (!channel?.isSendable()) throw new PartyChannelGone();
	return channel;
}

function langsOf(ctx: BotContext, guild: Guild): readonly Lang[] {
	return ctx.settings.publicLangs(guild);
}

/** Edits one of the party's own messages; one that was deleted is simply left alone. */
async function editOwnMessage(
	channel: SendableChannels,
	messageId: string | null,
	payload: Parameters<SendableChannels['messages']['edit']>[1],
): Promise<void> {
	if (!messageId) return;
	try {
		await channel.messages.edit(messageId, payload);
	} catch (error) {
		if (isUnknownMessage(error)) return;
		// A start a day away can outlast the thread's auto-archive; a send would reopen it, an edit doesn't.
		if (!isArchived(error) || !channel.isThread()) throw error;
		await channel.setArchived(false);
		await channel.messages.edit(messageId, payload);
	}
}

/** Refreshes the control and welcome messages; cosmetic, so a failure is only logged. */
async function refreshMessages(
	ctx: BotContext,
	channel: SendableChannels,
	partyId: number,
	guild: Guild,
	{ welcome = false } = {},
): Promise<void> {
	const store = partyStore(ctx);
	const party = store.get(partyId);
	if (!party) return;
	const plan = ctx.dataset.watchParty;
	const now = ctx.now().getTime();
	const langs = langsOf(ctx, guild);
	try {
		await editOwnMessage(channel, party.controlMessageId, controlPayload(plan, party, now, langs));
		if (welcome) {
			const payload = welcomePayload(ctx.dataset, plan, party, store.members(party.id), now, langs);
			await editOwnMessage(channel, party.welcomeMessageId, payload);
		}
	} catch (error) {
		ctx.logger.warn({ partyId, guildId: party.guildId, err: error }, 'could not refresh watch-party messages');
	}
}

/** Marks the Scheduled Event started or finished (or deletes it if the film never started); best effort. */
async function updateEvent(ctx: BotContext, guild: Guild, party: Party, status: 'active' | 'done'): Promise<void> {
	if (!party.eventId) return;
	try {
		if (status === 'active') {
			await guild.scheduledEvents.edit(party.eventId, { status: GuildScheduledEventStatus.Active });
		} else if (party.timeline.countdownShown === 0) {
			await guild.scheduledEvents.edit(party.eventId, { status: GuildScheduledEventStatus.Completed });
		} else {
			await guild.scheduledEvents.delete(party.eventId);
		}
	} catch (error) {
		ctx.logger.info({ partyId: party.id, guildId: party.guildId, err: error }, 'could not update the scheduled event');
	}
}

/**
 * Keeps the Scheduled Event's start (and end) in step with press play after the host paused, resumed,
 * sought or pressed Next before the start, so members see the real time. Best effort: a failure is
 * logged and the party goes on.
 */
export async function keepEventInStep(client: Client<true>, ctx: BotContext, before: Party): Promise<void> {
	const plan = ctx.dataset.watchParty;
	const now = ctx.now().getTime();
	const after = partyStore(ctx).get(before.id);
	const guild = after && client.guilds.cache.get(after.guildId);
	if (!after?.eventId || after.status !== 'running' || !guild) return;
	// While paused the press-play time drifts later, but the event still shows the time it had when paused.
	const was = eventWindow(before.timeline, plan, before.timeline.pausedAt ?? now);
	const window = eventWindow(after.timeline, plan, now);
	if (!window || window.startAt < now + EVENT_MOVE_MIN_LEAD_MS) return;
	if (was?.startAt === window.startAt && was.endAt === window.endAt) return;
	try {
		await guild.scheduledEvents.edit(after.eventId, {
			scheduledStartTime: new Date(window.startAt),
			scheduledEndTime: new Date(window.endAt),
		});
	} catch (error) {
		ctx.logger.warn({ partyId: after.id, guildId: after.guildId, err: error }, 'could not move the scheduled event');
	}
}

async function sendClaimed(
	channel: SendableChannels,
	store: WatchPartyStore,
	partyId: number,
	claim: { key: string; nonce: string },
	payload: Omit<MessageCreateOptions, 'nonce' | 'enforceNonce'>,
): Promise<void> {
	// The nonce is the same on every retry, so Discord drops a resend of a post it already has.
	const message = await channel.send({ ...payload, nonce: claim.nonce, enforceNonce: true });
	store.recordSent(partyId, claim.key, message.id);
}

/** How long to wait before the next try after `failures` transient failures in a row. */
const retryDelayMs = (failures: number) => Math.min(60_000, 1000 * 2 ** failures);

/**
 * Turns the buttons off and completes (or deletes) the event of an ended party; best effort. `channel`
 * null: the thread is gone, only the event is left to close.
 */
async function tidyUp(
	client: Client<true>,
	ctx: BotContext,
	guild: Guild,
	party: Party,
	channel: SendableChannels | undefined | null,
): Promise<void> {
	if (channel !== null) {
		try {
			await refreshMessages(ctx, channel ?? (await partyChannel(client, party)), party.id, guild, { welcome: true });
		} catch (error) {
			ctx.logger.warn(
				{ partyId: party.id, guildId: party.guildId, err: error },
				'could not refresh watch-party messages',
			);
		}
	}
	await updateEvent(ctx, guild, party, 'done');
}

/**
 * The claim to send the wrap-up under now: a new one, or the one an earlier try left unconfirmed (same
 * nonce). Undefined when there is nothing to send: it was posted, another try holds it, or it is too late.
 */
function wrapUpClaim(ctx: BotContext, store: WatchPartyStore, party: Party, now: number): PostClaim | undefined {
	const previous = store.posts(party.id).find((claim) => claim.key === WRAP_UP_KEY);
	if (!previous) return store.claim(party.id, WRAP_UP_KEY, now, false);
	if (previous.messageId !== null) return undefined;
	// Past the window Discord remembers a nonce, a resend could show a second wrap-up.
	if (now - previous.claimedAt > NONCE_RETRY_WINDOW_MS) {
		ctx.logger.warn(
			{ partyId: party.id, guildId: party.guildId },
			'gave up on the watch-party wrap-up: too late to retry',
		);
		return undefined;
	}
	return store.reclaim(party.id, previous) ? previous : undefined;
}

/**
 * Posts the wrap-up of an ended party once, then tidies up: buttons off, event completed. A passing
 * failure (5xx, network) leaves the claim unconfirmed and is tried again on a later tick with the same
 * nonce, up to `MAX_FAILURES` tries in all; a thread gone or closed to the bot is not retried.
 * `attempt` counts the tries, from 1.
 */
async function postWrapUp(
	client: Client<true>,
	ctx: BotContext,
	guild: Guild,
	partyId: number,
	{ attempt = 1, channel }: { attempt?: number; channel?: SendableChannels } = {},
): Promise<void> {
	const store = partyStore(ctx);
	const party = store.get(partyId);
	if (!party) return;
	const now = ctx.now().getTime();
	const log = { partyId, guildId: party.guildId, attempt };
	let target: SendableChannels | undefined | null = channel;
	try {
		target ??= await partyChannel(client, party);
		const claim = wrapUpClaim(ctx, store, party, now);
		if (claim) {
			const members = store.members(partyId);
			const posted = party.timeline.posted.length;
			const payload = wrapUpPayload(
				ctx.dataset,
				ctx.dataset.watchParty,
				party,
				members,
				posted,
				now,
				langsOf(ctx, guild),
			);
			await sendClaimed(target, store, partyId, claim, payload);
		}
	} catch (error) {
		const reason = terminalReason(error);
		if (reason) {
			if (reason === 'channel-gone') target = null;
			ctx.logger.warn({ ...log, err: error }, 'could not post the watch-party wrap-up: its thread is gone or closed');
		} else if (attempt < MAX_FAILURES) {
			store.scheduleWrapUpRetry(partyId, now + retryDelayMs(attempt), attempt);
			ctx.logger.warn({ ...log, err: error }, 'could not post the watch-party wrap-up; will try again');
			return;
		} else {
			ctx.logger.error({ ...log, err: error }, 'gave up on the watch-party wrap-up after repeated failures');
		}
	}
	store.clearWrapUpRetry(partyId);
	await tidyUp(client, ctx, guild, party, target);
}

/**
 * Ends a party on the host's word: recorded first (so the engine stops at once), then the wrap-up.
 * Returns false if it had already ended.
 */
export async function endParty(client: Client<true>, ctx: BotContext, partyId: number): Promise<boolean> {
	const store = partyStore(ctx);
	if (!store.end(partyId, 'ended-by-host', ctx.now().getTime())) return false;
	const party = store.get(partyId);
	const guild = party && client.guilds.cache.get(party.guildId);
	if (!party || !guild) return true;
	await postWrapUp(client, ctx, guild, partyId);
	return true;
}

/** Posts the host's pause/resume/seek notice in the party thread and refreshes the controls; best effort. */
export async function announceInParty(
	client: Client<true>,
	ctx: BotContext,
	partyId: number,
	content: ((langs: readonly Lang[]) => string) | undefined,
): Promise<void> {
	const party = partyStore(ctx).get(partyId);
	const guild = party && client.guilds.cache.get(party.guildId);
	if (!party || !guild) return;
	try {
		const channel = await partyChannel(client, party);
		if (content) await channel.send({ content: content(langsOf(ctx, guild)), allowedMentions: { parse: [] } });
		await refreshMessages(ctx, channel, partyId, guild);
	} catch (error) {
		ctx.logger.warn({ partyId, guildId: party.guildId, err: error }, 'could not post in the watch-party thread');
	}
}

/** Does whatever is due for one party: the countdown step, unconfirmed and due beats, the wrap-up. */
export async function advanceParty(client: Client<true>, ctx: BotContext, partyId: number): Promise<void> {
	const store = partyStore(ctx);
	const plan = ctx.dataset.watchParty;
	const initial = store.get(partyId);
	const guild = initial && client.guilds.cache.get(initial.guildId);
	if (!initial || initial.status !== 'running' || !guild) return;
	const now = ctx.now().getTime();
	const log = { partyId, guildId: initial.guildId };
	// Paused for hours: the host is not coming back, and the party must not hold its channel forever.
	const pausedSince = pausedTooLongSince(initial.timeline, now);
	if (pausedSince !== null) {
		ctx.logger.info({ ...log, pausedSince }, 'watch party paused for too long; closing it');
		if (store.end(partyId, 'paused-too-long', pausedSince)) await postWrapUp(client, ctx, guild, partyId);
		return;
	}
	try {
		const channel = await partyChannel(client, initial);
		// Back long after the film ended (offline for hours, or out of the guild): a burst of stale beats
		// would only bury the thread, so the party closes with its wrap-up, dated when the film ended.
		const filmEndedAt = staleSince(initial.timeline, plan, now);
		if (filmEndedAt !== null) {
			ctx.logger.info({ ...log, filmEndedAt }, 'watch party ended while the bot was away; closing it');
			if (store.end(partyId, 'finished-while-away', filmEndedAt)) {
				const { posted, skipped } = initial.timeline;
				ctx.metrics?.beat('lost', plan.beats.length - posted.length - skipped.length);
				await postWrapUp(client, ctx, guild, partyId, { channel });
			}
			return;
		}
		const langs = langsOf(ctx, guild);
		let changed = false;

		const step = countdownStepAt(initial.timeline, now);
		if (step !== null && step !== initial.timeline.countdownShown) {
			await editOwnMessage(channel, initial.countdownMessageId, {
				content: countdownContent(initial.timeline, step, now, langs),
			});
			store.markCountdown(partyId, step, now);
			if (step === 0) {
				changed = true;
				await updateEvent(ctx, guild, initial, 'active');
			}
		}

		// A send the process never saw confirmed (it died, or Discord failed): retried with the same nonce.
		for (const claim of store.posts(partyId)) {
			if (claim.messageId !== null || !claim.key.startsWith('beat:')) continue;
			if (now - claim.claimedAt > NONCE_RETRY_WINDOW_MS) continue;
			const beat = plan.beats.find((candidate) => beatKey(candidate.id) === claim.key);
			if (!beat || !store.reclaim(partyId, claim)) continue;
			await sendClaimed(channel, store, partyId, claim, beatPayload(ctx.dataset, beat, claim.late, langs));
			changed = true;
		}

		const current = store.get(partyId);
		if (!current || current.status !== 'running') return;
		for (const due of dueBeats(current.timeline, plan, now)) {
			const claim = store.claim(partyId, beatKey(due.beat.id), now, due.late);
			if (!claim) continue;
			if (due.late) ctx.logger.info({ ...log, beat: due.beat.id, dueAt: due.dueAt }, 'posting a missed beat late');
			await sendClaimed(channel, store, partyId, claim, beatPayload(ctx.dataset, due.beat, due.late, langs));
			ctx.metrics?.beat(due.late ? 'late' : 'posted');
			changed = true;
		}

		const latest = store.get(partyId);
		if (latest?.status === 'running' && wrapUpDue(latest.timeline, plan, now)) {
			if (store.end(partyId, 'finished', now)) await postWrapUp(client, ctx, guild, partyId, { channel });
			return;
		}
		store.reindex(partyId, now);
		if (changed) await refreshMessages(ctx, channel, partyId, guild);
	} catch (error) {
		const reason = terminalReason(error);
		if (reason) {
			ctx.logger.warn({ ...log, reason, err: error }, 'watch party ended: its thread is gone or closed to the bot');
			if (store.end(partyId, reason, now)) await updateEvent(ctx, guild, initial, 'done');
			return;
		}
		const failures = store.recordFailure(partyId, now + retryDelayMs(initial.failures + 1));
		ctx.logger.error({ ...log, failures, err: error }, 'watch party step failed');
		if (failures >= MAX_FAILURES) {
			store.end(partyId, 'failed', now);
			await updateEvent(ctx, guild, initial, 'done');
		}
	}
}

/**
 * Each tick: release stale setups, advance every due party in a guild on this shard, then try again
 * the wrap-ups that failed for a passing reason.
 */
export async function runWatchParties(client: Client<true>, ctx: BotContext, stopping?: AbortSignal): Promise<void> {
	const store = partyStore(ctx);
	const now = ctx.now().getTime();
	for (const id of store.abandonStaleSetups(now - SETUP_TIMEOUT_MS, now)) {
		ctx.logger.warn({ partyId: id }, 'watch-party setup never finished; released its channel');
	}
	// Only this shard's guilds: a party in a guild the bot left waits, untouched, until it comes back.
	const guildIds = [...client.guilds.cache.keys()];
	for (const party of store.due(now, guildIds)) {
		if (stopping?.aborted) return;
		await advanceParty(client, ctx, party.id);
	}
	for (const party of store.wrapUpRetriesDue(now, guildIds)) {
		const guild = client.guilds.cache.get(party.guildId);
		if (guild) await postWrapUp(client, ctx, guild, party.id, { attempt: party.failures + 1 });
	}
}

/** Ticks every second: the countdown moves per second, and everything else is read from SQLite. */
export const watchPartyJob: Job = { name: WATCH_PARTY_JOB, intervalMs: 1000, run: runWatchParties };
