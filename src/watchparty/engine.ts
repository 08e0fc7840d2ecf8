import {
	DiscordAPIError,
	GuildScheduledEventStatus,
	RESTJSONErrorCodes,
	SnowflakeUtil,
	type Client,
	type Guild,
	type Message,
	type MessageCreateOptions,
	type SendableChannels,
} from 'discord.js';
import { sendableChannel } from '../channels.js';
import type { BotContext } from '../context.js';
import { isDatabaseUnavailable } from '../store/database.js';
import type { WatchPartyBeat } from '../dataset/schema.js';
import { isForbidden } from '../errors.js';
import type { Lang } from '../i18n/index.js';
import type { Job } from '../jobs.js';
import { beatPayload, controlPayload, countdownContent, welcomePayload, wrapUpPayload } from './render.js';
import {
	WRAP_UP_KEY,
	WRAP_UP_PENDING_MS,
	WatchPartyStore,
	beatKey,
	type EndReason,
	type Party,
	type PostClaim,
} from './store.js';
import { NONCE_RETRY_WINDOW_MS, planParty, postsInThread, type PartyAction } from './planner.js';
import { eventWindow } from './timeline.js';

export const WATCH_PARTY_JOB = 'watch-party';
/** A setup that never finished (the process died mid-way) releases its channel after this long. */
export const SETUP_TIMEOUT_MS = 5 * 60_000;
/** Transient failures in a row (5xx, network) before a party is ended instead of retried forever. */
export const MAX_FAILURES = 5;
/** Discord refuses an event start in the past; one closer than this is about to be marked active anyway. */
const EVENT_MOVE_MIN_LEAD_MS = 5_000;

export function partyStore(ctx: BotContext): WatchPartyStore {
	return new WatchPartyStore(ctx.db, ctx.dataset.watchParty);
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

async function partyChannel(client: Client<true>, ctx: BotContext, party: Party): Promise<SendableChannels> {
	if (!party.threadId) throw new PartyChannelGone();
	const channel = await sendableChannel(client, ctx.guilds.channel(party.guildId, party.threadId), party.threadId);
	if (!channel) throw new PartyChannelGone();
	return channel;
}

async function langsOf(ctx: BotContext, guild: Guild): Promise<readonly Lang[]> {
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
	const party = await store.get(partyId);
	if (!party) return;
	const plan = ctx.dataset.watchParty;
	const now = ctx.now().getTime();
	const langs = await langsOf(ctx, guild);
	try {
		await editOwnMessage(channel, party.controlMessageId, controlPayload(plan, party, now, langs));
		if (welcome) {
			const payload = welcomePayload(ctx.dataset, plan, party, await store.members(party.id), now, langs);
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
	const after = await partyStore(ctx).get(before.id);
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
	await store.recordSent(partyId, claim.key, message.id);
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
			await refreshMessages(ctx, channel ?? (await partyChannel(client, ctx, party)), party.id, guild, {
				welcome: true,
			});
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
async function wrapUpClaim(
	ctx: BotContext,
	store: WatchPartyStore,
	party: Party,
	now: number,
): Promise<PostClaim | undefined> {
	const previous = (await store.posts(party.id)).find((claim) => claim.key === WRAP_UP_KEY);
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
	return (await store.reclaim(party.id, previous)) ? previous : undefined;
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
	const party = await store.get(partyId);
	if (!party) return;
	const now = ctx.now().getTime();
	const log = { partyId, guildId: party.guildId, attempt };
	let target: SendableChannels | undefined | null = channel;
	try {
		target ??= await partyChannel(client, ctx, party);
		const claim = await wrapUpClaim(ctx, store, party, now);
		if (claim) {
			const members = await store.members(partyId);
			const payload = wrapUpPayload(
				ctx.dataset,
				ctx.dataset.watchParty,
				party,
				members,
				beatTally(await store.posts(partyId)),
				now,
				await langsOf(ctx, guild),
			);
			await sendClaimed(target, store, partyId, claim, payload);
		}
	} catch (error) {
		// The wrap-up stays due (end's wrapUpAt), so a later tick posts it once the database is back.
		if (isDatabaseUnavailable(error)) throw error;
		const reason = terminalReason(error);
		if (reason) {
			if (reason === 'channel-gone') target = null;
			ctx.logger.warn({ ...log, err: error }, 'could not post the watch-party wrap-up: its thread is gone or closed');
		} else if (attempt < MAX_FAILURES) {
			await store.scheduleWrapUpRetry(partyId, now + retryDelayMs(attempt), attempt);
			ctx.logger.warn({ ...log, err: error }, 'could not post the watch-party wrap-up; will try again');
			return;
		} else {
			ctx.logger.error({ ...log, err: error }, 'gave up on the watch-party wrap-up after repeated failures');
		}
	}
	await store.clearWrapUpRetry(partyId);
	await tidyUp(client, ctx, guild, party, target);
}

/** The summary's beats: those Discord confirmed, and those claimed that it never did. */
function beatTally(claims: readonly PostClaim[]): { posted: number; lost: number } {
	const beats = claims.filter((claim) => claim.key !== WRAP_UP_KEY);
	const posted = beats.filter((claim) => claim.messageId !== null).length;
	return { posted, lost: beats.length - posted };
}

/**
 * Ends a party on the host's word: recorded first (so the engine posts nothing more), then, once a send
 * already on its way has landed, the wrap-up, which so comes last and counts it. Returns false if it had
 * already ended.
 */
export async function endParty(client: Client<true>, ctx: BotContext, partyId: number): Promise<boolean> {
	const store = partyStore(ctx);
	const now = ctx.now().getTime();
	if (!(await store.end(partyId, 'ended-by-host', now, now + WRAP_UP_PENDING_MS))) return false;
	const party = await store.get(partyId);
	const guild = party && client.guilds.cache.get(party.guildId);
	if (!party || !guild) return true;
	await flights(ctx).get(partyId);
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
	const party = await partyStore(ctx).get(partyId);
	const guild = party && client.guilds.cache.get(party.guildId);
	if (!party || !guild) return;
	try {
		const channel = await partyChannel(client, ctx, party);
		if (content) await channel.send({ content: content(await langsOf(ctx, guild)), allowedMentions: { parse: [] } });
		await refreshMessages(ctx, channel, partyId, guild);
	} catch (error) {
		ctx.logger.warn({ partyId, guildId: party.guildId, err: error }, 'could not post in the watch-party thread');
	}
}

/** The party if it still runs and plays: re-read before every send, so an End or Pause mid-way stops the rest. */
async function playing(store: WatchPartyStore, partyId: number): Promise<Party | undefined> {
	const party = await store.get(partyId);
	return party?.status === 'running' && party.timeline.pausedAt === null ? party : undefined;
}

/** Threads searched for a lost beat at most this deep (pages of 100), newest messages after its first send. */
const SEARCH_PAGES = 10;
/** The search starts this long before the first send, in case the bot's clock runs ahead of Discord's. */
const SEARCH_LEEWAY_MS = 60_000;

/**
 * Looks for a beat the bot may have posted without seeing Discord confirm it: its own message whose footer
 * names the beat, among those after its first send. `after` gives the closest newer messages, so the pages
 * walk forward in time from there. Null when the thread can't be read (without Read Message History
 * Discord answers an empty page, which would look like "not there").
 */
async function findPostedBeat(
	ctx: BotContext,
	channel: SendableChannels,
	beatId: string,
	claimedAt: number,
): Promise<Message | undefined | null> {
	const me = channel.client.user.id;
	// A thread's permissions are its channel's, which the bot knows even when the thread is archived.
	const where = channel.isThread() ? channel.parentId : channel.id;
	const known = 'guildId' in channel && channel.guildId && where && ctx.guilds.channel(channel.guildId, where);
	if (!known || !ctx.guilds.permissionsIn(known).has('ReadMessageHistory')) return null;
	let after = SnowflakeUtil.generate({ timestamp: claimedAt - SEARCH_LEEWAY_MS }).toString();
	for (let page = 0; page < SEARCH_PAGES; page++) {
		const batch = await channel.messages.fetch({ after, limit: 100, cache: false });
		const found = batch.find((message) => message.author.id === me && message.embeds[0]?.footer?.text === beatId);
		if (found) return found;
		if (batch.size < 100) return undefined;
		after = [...batch.keys()].reduce((newest, id) => (BigInt(id) > BigInt(newest) ? id : newest));
	}
	return null;
}

interface Step {
	readonly client: Client<true>;
	readonly ctx: BotContext;
	readonly store: WatchPartyStore;
	readonly guild: Guild;
	readonly channel: SendableChannels;
	readonly party: Party;
	readonly now: number;
	readonly langs: readonly Lang[];
}

/**
 * An unconfirmed beat past the nonce window: confirmed if the thread holds it, else sent again marked late;
 * recorded as lost (and logged) when the thread can't be searched, since a resend could then show twice.
 */
async function recoverBeat(step: Step, beat: WatchPartyBeat, claimedAt: number): Promise<void> {
	const { ctx, store, party, now } = step;
	const key = beatKey(beat.id);
	const log = { partyId: party.id, guildId: party.guildId, beat: beat.id };
	const found = await findPostedBeat(ctx, step.channel, beat.id, claimedAt);
	if (found) {
		await store.recordSent(party.id, key, found.id);
		ctx.logger.info({ ...log, messageId: found.id }, 'found an unconfirmed watch-party beat in its thread');
		return;
	}
	if (found === null) {
		await store.markLost(party.id, key, now);
		ctx.logger.warn(log, 'lost a watch-party beat: Discord never confirmed it and its thread could not be searched');
		ctx.metrics?.beat('lost');
		return;
	}
	const claim = await store.restartClaim(party.id, key, claimedAt, now);
	if (!claim) return;
	ctx.logger.info(log, 'an unconfirmed watch-party beat is not in its thread; posting it late');
	await sendClaimed(step.channel, store, party.id, claim, beatPayload(ctx.dataset, beat, true, step.langs));
	ctx.metrics?.beat('late');
}

/** Takes one planned action; returns whether the party ended with it. */
async function act(step: Step, action: Exclude<PartyAction, { kind: 'close' }>): Promise<boolean> {
	const { client, ctx, store, guild, channel, party, now, langs } = step;
	const beat = 'beatId' in action ? ctx.dataset.watchParty.beats.find((b) => b.id === action.beatId) : undefined;
	switch (action.kind) {
		case 'countdown':
			await editOwnMessage(channel, party.countdownMessageId, {
				content: countdownContent(party.timeline, action.step, now, langs),
			});
			await store.markCountdown(party.id, action.step, now);
			if (action.step === 0) await updateEvent(ctx, guild, party, 'active');
			return false;
		case 'resend': {
			const claim = (await store.posts(party.id)).find((post) => post.key === beatKey(action.beatId));
			if (beat && claim && (await store.reclaim(party.id, claim))) {
				await sendClaimed(channel, store, party.id, claim, beatPayload(ctx.dataset, beat, claim.late, langs));
			}
			return false;
		}
		case 'recover':
			if (beat) await recoverBeat(step, beat, action.claimedAt);
			return false;
		case 'beat': {
			const claim = beat && (await store.claim(party.id, beatKey(beat.id), now, action.late));
			if (!beat || !claim) return false;
			if (action.late) {
				ctx.logger.info({ partyId: party.id, beat: beat.id, dueAt: action.dueAt }, 'posting a missed beat late');
			}
			await sendClaimed(channel, store, party.id, claim, beatPayload(ctx.dataset, beat, action.late, langs));
			ctx.metrics?.beat(action.late ? 'late' : 'posted');
			return false;
		}
		case 'wrap-up':
			if (await store.end(party.id, 'finished', now, now + WRAP_UP_PENDING_MS)) {
				await postWrapUp(client, ctx, guild, party.id, { channel });
			}
			return true;
	}
}

/**
 * Does what the planner says is due for one party, one action at a time. Before each, the party is read
 * again from the database: once the host ended it, or while paused, nothing more is posted.
 */
export async function advanceParty(client: Client<true>, ctx: BotContext, partyId: number): Promise<void> {
	const store = partyStore(ctx);
	const initial = await store.get(partyId);
	const guild = initial && client.guilds.cache.get(initial.guildId);
	if (!initial || initial.status !== 'running' || !guild) return;
	const now = ctx.now().getTime();
	const log = { partyId, guildId: initial.guildId };
	const actions = planParty(ctx.dataset.watchParty, initial, await store.posts(partyId), now);
	const [first] = actions;
	if (first?.kind === 'close') {
		// Paused for hours, or back long after the film ended: a burst of stale beats would only bury the
		// thread, so the party closes with its wrap-up, dated when the pause began or the film ended.
		ctx.logger.info({ ...log, reason: first.reason, at: first.at }, 'closing a watch party nobody is watching');
		if (await store.end(partyId, first.reason, first.at, now + WRAP_UP_PENDING_MS)) {
			await postWrapUp(client, ctx, guild, partyId);
		}
		return;
	}
	if (!first) {
		await store.reindex(partyId, now);
		return;
	}
	try {
		const channel = await partyChannel(client, ctx, initial);
		const langs = await langsOf(ctx, guild);
		let changed = false;
		for (const action of actions) {
			const party = await playing(store, partyId);
			if (!party || action.kind === 'close') return;
			if (await act({ client, ctx, store, guild, channel, party, now, langs }, action)) return;
			changed ||= postsInThread(action) || (action.kind === 'countdown' && action.step === 0);
		}
		await store.reindex(partyId, now);
		if (changed) await refreshMessages(ctx, channel, partyId, guild);
	} catch (error) {
		// Not the party's fault: it stays due as it was, and a later tick takes it up where it stopped.
		if (isDatabaseUnavailable(error)) throw error;
		const reason = terminalReason(error);
		if (reason) {
			ctx.logger.warn({ ...log, reason, err: error }, 'watch party ended: its thread is gone or closed to the bot');
			if (await store.end(partyId, reason, now)) await updateEvent(ctx, guild, initial, 'done');
			return;
		}
		const failures = await store.recordFailure(partyId, now + retryDelayMs(initial.failures + 1));
		ctx.logger.error({ ...log, failures, err: error }, 'watch party step failed');
		if (failures >= MAX_FAILURES) {
			await store.end(partyId, 'failed', now);
			await updateEvent(ctx, guild, initial, 'done');
		}
	}
}

/** At most this many parties are advanced at once per process; the rest wait for a later tick. */
export const MAX_PARTIES_IN_FLIGHT = 10;
/** Party steps under way, per bot: a party waiting on Discord is left to finish while later ticks serve the others. */
const inFlight = new WeakMap<BotContext, Map<number, Promise<void>>>();

function flights(ctx: BotContext): Map<number, Promise<void>> {
	let running = inFlight.get(ctx);
	if (!running) {
		running = new Map();
		inFlight.set(ctx, running);
	}
	return running;
}

/** Starts `work` for a party unless a step of it is still under way or the bound is reached. */
function launch(ctx: BotContext, partyId: number, work: () => Promise<void>): void {
	const running = flights(ctx);
	if (running.has(partyId) || running.size >= MAX_PARTIES_IN_FLIGHT) return;
	const done = work()
		.catch((error: unknown) => {
			// The party is left as it was, due, for a tick once the database is back.
			if (isDatabaseUnavailable(error)) ctx.outage.met(error);
			else ctx.logger.error({ partyId, err: error }, 'watch party step failed');
		})
		.finally(() => running.delete(partyId));
	running.set(partyId, done);
}

/** Bots whose engine has run its once-per-start housekeeping. */
const prepared = new WeakSet<BotContext>();

/** Resolves once every party step under way has finished: before the bot stops, and in tests. */
export async function settleWatchParties(ctx: BotContext): Promise<void> {
	await Promise.all(flights(ctx).values());
}

/**
 * Each tick: release stale setups, then start advancing every due party in a guild on this shard and
 * the wrap-ups to try again, without waiting for them: one thread's 429 or slow answer must not hold
 * another party's countdown. A party still busy from an earlier tick is left to it.
 */
export async function runWatchParties(client: Client<true>, ctx: BotContext, stopping?: AbortSignal): Promise<void> {
	const store = partyStore(ctx);
	const now = ctx.now().getTime();
	if (!prepared.has(ctx)) {
		await store.scheduleUnlimitedPauses();
		prepared.add(ctx);
	}
	for (const id of await store.abandonStaleSetups(now - SETUP_TIMEOUT_MS, now)) {
		ctx.logger.warn({ partyId: id }, 'watch-party setup never finished; released its channel');
	}
	// Only this shard's guilds: a party in a guild the bot left waits, untouched, until it comes back.
	const guildIds = [...client.guilds.cache.keys()];
	for (const party of await store.due(now, guildIds)) {
		if (stopping?.aborted) break;
		launch(ctx, party.id, () => advanceParty(client, ctx, party.id));
	}
	for (const party of await store.wrapUpRetriesDue(now, guildIds)) {
		if (stopping?.aborted) break;
		const guild = client.guilds.cache.get(party.guildId);
		if (guild) launch(ctx, party.id, () => postWrapUp(client, ctx, guild, party.id, { attempt: party.failures + 1 }));
	}
}

/** Ticks every second: the countdown moves per second, and everything else is read from the database. */
export const watchPartyJob: Job = {
	name: WATCH_PARTY_JOB,
	intervalMs: 1000,
	run: runWatchParties,
	settle: settleWatchParties,
};
