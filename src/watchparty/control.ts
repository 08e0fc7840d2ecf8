/**
 * The host's controls (next, pause, resume, seek, end), Join and Leave, and status: each applied to the
 * stored clock atomically, then shown in the thread. The command file only routes to these.
 */
import {
	MessageFlags,
	PermissionFlagsBits,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { BotContext } from '../context.js';
import { UserError } from '../errors.js';
import { langOf, localize, type Lang } from '../i18n/index.js';
import { expired } from '../router.js';
import { announceInParty, endParty, keepEventInStep, partyStore } from './engine.js';
import { watchPartyText } from './messages.js';
import { controlPayload, formatPosition, noticeContent, welcomePayload } from './render.js';
import type { Party } from './store.js';
import {
	MINUTE_MS,
	effectiveStartAt,
	filmPositionMs,
	next,
	nextTarget,
	pause,
	phaseAt,
	resume,
	seek,
} from './timeline.js';

export const text = (lang: Lang) => watchPartyText[lang];
export const userError = (pick: (messages: (typeof watchPartyText)['en']) => string) =>
	new UserError(localize(watchPartyText, pick));
export const messageLink = (guildId: string, channelId: string, messageId?: string | null) =>
	`https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;

/** A party in a thread of its own links the thread; one posting in place links its announcement. */
export const hasOwnThread = (party: Party) => party.threadId !== null && party.threadId !== party.channelId;

export function partyLink(party: Party): string {
	if (hasOwnThread(party)) return `<#${party.threadId}>`;
	return messageLink(party.guildId, party.channelId, party.announceMessageId);
}

type AnyInteraction = ChatInputCommandInteraction<'cached'> | ButtonInteraction<'cached'>;

/** The party running in this channel (or in the party thread itself), for the subcommands. */
export async function partyHere(interaction: AnyInteraction, ctx: BotContext): Promise<Party> {
	const party = await partyStore(ctx).activeFor(interaction.channelId);
	if (!party || party.status !== 'running') throw userError((m) => m.noParty);
	return party;
}

/** The party a button belongs to; an ended or unknown one says so. */
export async function partyOfButton(ctx: BotContext, arg: string | undefined): Promise<Party> {
	const id = Number(arg);
	if (!Number.isSafeInteger(id) || id <= 0) throw expired();
	const party = await partyStore(ctx).get(id);
	if (!party) throw expired();
	if (party.status !== 'running') throw userError((m) => m.partyEnded);
	return party;
}

function assertCanControl(interaction: AnyInteraction, party: Party): void {
	if (interaction.user.id === party.hostId) return;
	if (interaction.memberPermissions.has(PermissionFlagsBits.ManageEvents)) return;
	throw userError((m) => m.notAllowed(`<@${party.hostId}>`));
}

export type ControlAction = 'next' | 'pause' | 'resume' | 'seek' | 'end';

interface ControlOutcome {
	/** What the caller is told, in their language. */
	readonly reply: (lang: Lang) => string;
	/** A public line for everyone in the thread, in the server language. */
	readonly notice?: (langs: readonly Lang[]) => string;
	readonly ended: boolean;
}

/**
 * One control, shared by the subcommands and the buttons, applied to the stored clock atomically. The
 * caller checks who may use it. Only `end` calls Discord (the wrap-up), so only it needs a deferred answer.
 */
async function applyControl(
	interaction: AnyInteraction,
	ctx: BotContext,
	party: Party,
	action: ControlAction,
	minute?: number,
): Promise<ControlOutcome> {
	const store = partyStore(ctx);
	const plan = ctx.dataset.watchParty;
	const now = ctx.now().getTime();
	const userId = interaction.user.id;
	const changed = async (change: Parameters<typeof store.updateClock>[2]) => {
		const result = await store.updateClock(party.id, now, change);
		if (!result) throw userError((m) => m.partyEnded);
		return result.after;
	};
	switch (action) {
		case 'pause': {
			if (party.timeline.pausedAt !== null) throw userError((m) => m.alreadyPaused);
			const after = await changed((timeline) => pause(timeline, now));
			const position = filmPositionMs(after.timeline, now);
			return {
				reply: (lang) => text(lang).pausedReply(formatPosition(position)),
				notice: (langs) => noticeContent('paused', position, userId, langs),
				ended: false,
			};
		}
		case 'resume': {
			if (party.timeline.pausedAt === null) throw userError((m) => m.notPaused);
			const after = await changed((timeline) => resume(timeline, now));
			const position = filmPositionMs(after.timeline, now);
			return {
				reply: (lang) => text(lang).resumedReply(formatPosition(position)),
				notice: (langs) => noticeContent('resumed', position, userId, langs),
				ended: false,
			};
		}
		case 'seek': {
			const target = (minute ?? 0) * MINUTE_MS;
			await changed((timeline) => seek(timeline, plan, minute ?? 0, now));
			return {
				reply: (lang) => text(lang).seekReply(formatPosition(target)),
				notice: (langs) => noticeContent('seek', target, userId, langs),
				ended: false,
			};
		}
		case 'next': {
			const target = nextTarget(party.timeline, plan);
			await changed((timeline) => next(timeline, plan, now));
			// The wrap-up explains itself; a beat brought up early gets a line saying who and why.
			const beatMs = target.kind === 'beat' ? target.beat.minute * MINUTE_MS : undefined;
			return {
				reply: (lang) =>
					target.kind === 'beat' ? text(lang).nextBeatReply(target.beat.minute) : text(lang).nextWrapUpReply,
				...(beatMs === undefined
					? {}
					: { notice: (langs: readonly Lang[]) => noticeContent('next', beatMs, userId, langs) }),
				ended: false,
			};
		}
		case 'end': {
			if (!(await endParty(interaction.client, ctx, party.id))) throw userError((m) => m.partyEnded);
			return { reply: (lang) => text(lang).endedReply, ended: true };
		}
	}
}

export async function statusText(ctx: BotContext, party: Party, lang: Lang): Promise<string> {
	const now = ctx.now().getTime();
	const position = formatPosition(filmPositionMs(party.timeline, now));
	const phase = phaseAt(party.timeline, now);
	const state =
		phase === 'paused'
			? text(lang).statusPaused(position)
			: phase === 'countdown'
				? text(lang).statusCountdown(Math.floor(effectiveStartAt(party.timeline, now) / 1000), position)
				: text(lang).statusPlaying(position);
	const members = (await partyStore(ctx).members(party.id)).length;
	const where = hasOwnThread(party) ? text(lang).statusThread : text(lang).statusParty;
	return text(lang).statusLine(state, `${where}: ${partyLink(party)}`, `<@${party.hostId}>`, members);
}

/** A control subcommand: who may use it is checked, Discord is answered, then the thread and the event follow. */
export async function runControl(
	interaction: ChatInputCommandInteraction<'cached'>,
	ctx: BotContext,
	action: ControlAction,
): Promise<void> {
	const party = await partyHere(interaction, ctx);
	assertCanControl(interaction, party);
	const minute = action === 'seek' ? interaction.options.getInteger('minute', true) : undefined;
	// Ending posts the wrap-up and edits several messages: answered first, or Discord's 3 s may pass.
	if (action === 'end') await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const outcome = await applyControl(interaction, ctx, party, action, minute);
	const content = outcome.reply(langOf(interaction.locale));
	if (interaction.deferred) await interaction.editReply({ content });
	else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
	if (outcome.ended) return;
	await announceInParty(interaction.client, ctx, party.id, outcome.notice);
	await keepEventInStep(interaction.client, ctx, party);
}

/** The controls the control message has buttons for; `seek` needs a minute, so it is a subcommand only. */
const CONTROL_ACTIONS = new Set<string>(['next', 'pause', 'resume', 'end']);

export const isControlAction = (action: string): action is ControlAction =>
	CONTROL_ACTIONS.has(action) || action === 'seek';

/** A button of the party: Join and Leave for anyone, the controls for the host and event managers. */
export async function pressButton(
	interaction: ButtonInteraction<'cached'>,
	ctx: BotContext,
	action: string,
	arg: string | undefined,
): Promise<void> {
	const party = await partyOfButton(ctx, arg);
	const store = partyStore(ctx);
	const now = ctx.now().getTime();
	const langs = await ctx.settings.publicLangs(interaction.guild);
	if (action === 'join' || action === 'leave') {
		if (action === 'join') await store.join(party.id, interaction.user.id, now);
		else await store.leave(party.id, interaction.user.id);
		const members = await store.members(party.id);
		await interaction.update(welcomePayload(ctx.dataset, ctx.dataset.watchParty, party, members, now, langs));
		return;
	}
	if (!CONTROL_ACTIONS.has(action)) throw expired();
	assertCanControl(interaction, party);
	if (action === 'end') {
		// Ending posts the wrap-up and turns these buttons off itself, in several calls: answered first,
		// privately (not deferUpdate: an error would then replace the control message).
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const outcome = await applyControl(interaction, ctx, party, 'end');
		await interaction.editReply({ content: outcome.reply(langOf(interaction.locale)) });
		return;
	}
	const outcome = await applyControl(interaction, ctx, party, action as ControlAction);
	const after = (await store.get(party.id)) ?? party;
	await interaction.update(controlPayload(ctx.dataset.watchParty, after, now, langs));
	if (outcome.notice) await interaction.followUp({ content: outcome.notice(langs), allowedMentions: { parse: [] } });
	await keepEventInStep(interaction.client, ctx, party);
}
