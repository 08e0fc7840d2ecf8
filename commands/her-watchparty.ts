import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	ChannelType,
	GuildScheduledEventEntityType,
	GuildScheduledEventPrivacyLevel,
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	type AnyThreadChannel,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type Message,
	type MessageCreateOptions,
	type PermissionsString,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../src/command.js';
import type { BotContext } from '../src/context.js';
import { UserError } from '../src/errors.js';
import { common } from '../src/i18n/common.js';
import { langOf, localize, type Lang } from '../src/i18n/index.js';
import { assertBotCan } from '../src/permissions.js';
import { expired } from '../src/router.js';
import { announceInParty, endParty, keepEventInStep, partyStore } from '../src/watchparty/engine.js';
import { watchPartyText } from '../src/watchparty/messages.js';
import {
	COMMAND_NAME,
	MAX_TITLE_LENGTH,
	announcement,
	controlPayload,
	countdownContent,
	formatPosition,
	noticeContent,
	partyName,
	sanitizeTitle,
	welcomePayload,
} from '../src/watchparty/render.js';
import type { Party } from '../src/watchparty/store.js';
import {
	MINUTE_MS,
	effectiveStartAt,
	eventWindow,
	filmPositionMs,
	next,
	nextTarget,
	pause,
	phaseAt,
	resume,
	seek,
	startTimeline,
} from '../src/watchparty/timeline.js';

const MAX_IN_MINUTES = 1440;
const MAX_FILM_MINUTE = 126;
/** Where a party gets its own thread; elsewhere (voice and stage chat, a thread) it posts in place. */
const THREAD_PARENTS: readonly ChannelType[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

const minuteOption = (name: string, description: string, ko: string, required = false) => ({
	type: ApplicationCommandOptionType.Integer as const,
	name,
	description,
	description_localizations: { ko },
	min_value: 0,
	max_value: MAX_FILM_MINUTE,
	required,
});

const subcommand = (name: string, description: string, ko: string) => ({
	type: ApplicationCommandOptionType.Subcommand as const,
	name,
	description,
	description_localizations: { ko },
});

const data = {
	name: COMMAND_NAME,
	description: 'Watch Her together: a countdown to press play, then questions at the story’s beats',
	description_localizations: { ko: '〈그녀〉를 함께 봐요: 재생 카운트다운, 그리고 이야기의 지점마다 질문' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			...subcommand(
				'start',
				'Start a watch party in a new thread here',
				'이 채널에 새 스레드를 열어 같이 보기를 시작해요',
			),
			options: [
				{
					type: ApplicationCommandOptionType.Integer,
					name: 'in',
					description: 'Minutes until everyone presses play (0 or empty: now)',
					description_localizations: { ko: '모두 재생을 누를 때까지 남은 분 (0 또는 비우면 지금)' },
					min_value: 0,
					max_value: MAX_IN_MINUTES,
				},
				minuteOption(
					'at',
					'The minute of the film you are already at (to join a viewing in progress)',
					'이미 보고 있는 영화의 분 (보는 중에 시작할 때)',
				),
				{
					type: ApplicationCommandOptionType.String,
					name: 'title',
					description: 'A name for the party (shown in the thread name)',
					description_localizations: { ko: '같이 보기 이름 (스레드 이름에 보여요)' },
					max_length: MAX_TITLE_LENGTH,
				},
			],
		},
		subcommand(
			'next',
			'Post the next beat now and re-time the rest (host)',
			'다음 지점을 지금 올리고 나머지를 다시 맞춰요 (호스트)',
		),
		subcommand('pause', 'Pause the party: later beats wait (host)', '일시정지: 이후 지점이 기다려요 (호스트)'),
		subcommand('resume', 'Resume a paused party (host)', '일시정지한 같이 보기를 이어 가요 (호스트)'),
		{
			...subcommand('seek', 'Move the party to a minute of the film (host)', '영화의 특정 분으로 이동해요 (호스트)'),
			options: [minuteOption('minute', 'The minute of the film you are at now', '지금 보고 있는 영화의 분', true)],
		},
		subcommand('end', 'End the party now, with the wrap-up (host)', '같이 보기를 지금 끝내고 마무리를 올려요 (호스트)'),
		subcommand('status', 'Where the party in this channel is', '이 채널의 같이 보기가 어디쯤인지 보여 줘요'),
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

const text = (lang: Lang) => watchPartyText[lang];
const userError = (pick: (messages: (typeof watchPartyText)['en']) => string) =>
	new UserError(localize(watchPartyText, pick));
const messageLink = (guildId: string, channelId: string, messageId?: string | null) =>
	`https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;

/** A party in a thread of its own links the thread; one posting in place links its announcement. */
const hasOwnThread = (party: Party) => party.threadId !== null && party.threadId !== party.channelId;

function partyLink(party: Party): string {
	if (hasOwnThread(party)) return `<#${party.threadId}>`;
	return messageLink(party.guildId, party.channelId, party.announceMessageId);
}

type AnyInteraction = ChatInputCommandInteraction<'cached'> | ButtonInteraction<'cached'>;

/** The party running in this channel (or in the party thread itself), for the subcommands. */
function partyHere(interaction: AnyInteraction, ctx: BotContext): Party {
	const party = partyStore(ctx).activeFor(interaction.channelId);
	if (!party || party.status !== 'running') throw userError((m) => m.noParty);
	return party;
}

/** The party a button belongs to; an ended or unknown one says so. */
function partyOfButton(ctx: BotContext, arg: string | undefined): Party {
	const id = Number(arg);
	if (!Number.isSafeInteger(id) || id <= 0) throw expired();
	const party = partyStore(ctx).get(id);
	if (!party) throw expired();
	if (party.status !== 'running') throw userError((m) => m.partyEnded);
	return party;
}

function assertCanControl(interaction: AnyInteraction, party: Party): void {
	if (interaction.user.id === party.hostId) return;
	if (interaction.memberPermissions.has(PermissionFlagsBits.ManageEvents)) return;
	throw userError((m) => m.notAllowed(`<@${party.hostId}>`));
}

type ControlAction = 'next' | 'pause' | 'resume' | 'seek' | 'end';

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
	const changed = (change: Parameters<typeof store.updateClock>[2]) => {
		const result = store.updateClock(party.id, now, change);
		if (!result) throw userError((m) => m.partyEnded);
		return result.after;
	};
	switch (action) {
		case 'pause': {
			if (party.timeline.pausedAt !== null) throw userError((m) => m.alreadyPaused);
			const after = changed((timeline) => pause(timeline, now));
			const position = filmPositionMs(after.timeline, now);
			return {
				reply: (lang) => text(lang).pausedReply(formatPosition(position)),
				notice: (langs) => noticeContent('paused', position, userId, langs),
				ended: false,
			};
		}
		case 'resume': {
			if (party.timeline.pausedAt === null) throw userError((m) => m.notPaused);
			const after = changed((timeline) => resume(timeline, now));
			const position = filmPositionMs(after.timeline, now);
			return {
				reply: (lang) => text(lang).resumedReply(formatPosition(position)),
				notice: (langs) => noticeContent('resumed', position, userId, langs),
				ended: false,
			};
		}
		case 'seek': {
			const target = (minute ?? 0) * MINUTE_MS;
			changed((timeline) => seek(timeline, plan, minute ?? 0, now));
			return {
				reply: (lang) => text(lang).seekReply(formatPosition(target)),
				notice: (langs) => noticeContent('seek', target, userId, langs),
				ended: false,
			};
		}
		case 'next': {
			const target = nextTarget(party.timeline, plan);
			changed((timeline) => next(timeline, plan, now));
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

function statusText(ctx: BotContext, party: Party, lang: Lang): string {
	const now = ctx.now().getTime();
	const position = formatPosition(filmPositionMs(party.timeline, now));
	const phase = phaseAt(party.timeline, now);
	const state =
		phase === 'paused'
			? text(lang).statusPaused(position)
			: phase === 'countdown'
				? text(lang).statusCountdown(Math.floor(effectiveStartAt(party.timeline, now) / 1000), position)
				: text(lang).statusPlaying(position);
	const members = partyStore(ctx).members(party.id).length;
	const where = hasOwnThread(party) ? text(lang).statusThread : text(lang).statusParty;
	return text(lang).statusLine(state, `${where}: ${partyLink(party)}`, `<@${party.hostId}>`, members);
}

function neededPermissions(threaded: boolean, inThread: boolean): PermissionsString[] {
	if (threaded) return ['ViewChannel', 'SendMessages', 'EmbedLinks', 'CreatePublicThreads', 'SendMessagesInThreads'];
	return ['ViewChannel', inThread ? 'SendMessagesInThreads' : 'SendMessages', 'EmbedLinks'];
}

type SetupStep = 'announcement' | 'thread' | 'posts' | 'timeout';

/** What a setup has posted so far, so a failed one can take it down again. */
interface SetupPosts {
	announcement?: Message;
	thread?: AnyThreadChannel;
	readonly posts: Message[];
}

/**
 * Takes down what a failed setup posted: its thread (with everything in it), or the posts it made in
 * place, and the announcement. Best effort: what cannot be removed is logged.
 */
async function removeFailedSetup(ctx: BotContext, party: Party, made: SetupPosts): Promise<void> {
	const { thread, announcement: announced } = made;
	const removals: (() => Promise<unknown>)[] = [
		...(thread ? [() => thread.delete()] : made.posts.map((post) => () => post.delete())),
		...(announced ? [() => announced.delete()] : []),
	];
	for (const remove of removals) {
		try {
			await remove();
		} catch (error) {
			ctx.logger.warn(
				{ partyId: party.id, guildId: party.guildId, err: error },
				'could not remove a failed watch-party setup',
			);
		}
	}
}

async function start(interaction: ChatInputCommandInteraction<'cached'>, ctx: BotContext): Promise<void> {
	// Answered at once, and only to the host: the public announcement is a post of its own, so a setup
	// that fails half-way can take it down and tell the host privately, and Discord's 3 s never pass.
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const store = partyStore(ctx);
	const plan = ctx.dataset.watchParty;
	const lang = langOf(interaction.locale);
	const inMinutes = interaction.options.getInteger('in') ?? 0;
	const atMinute = interaction.options.getInteger('at') ?? 0;
	const title = sanitizeTitle(interaction.options.getString('title'));
	// Threads are not cached (the client keeps no thread cache), so a start inside one fetches it.
	const channel = interaction.channel ?? (await interaction.client.channels.fetch(interaction.channelId));
	const existing = store.activeFor(interaction.channelId);
	if (existing) throw userError((m) => m.alreadyRunning(partyLink(existing)));
	const threaded = channel !== null && 'guildId' in channel && THREAD_PARENTS.includes(channel.type);
	assertBotCan(
		interaction.appPermissions,
		neededPermissions(threaded, channel?.isThread() ?? false),
		`<#${interaction.channelId}>`,
	);
	if (!channel?.isSendable()) throw new Error('watch-party channel is not sendable');

	const now = ctx.now().getTime();
	const timeline = startTimeline(plan, { now, inMinutes, atMinute });
	const reserved = store.reserve({
		guildId: interaction.guildId,
		channelId: interaction.channelId,
		hostId: interaction.user.id,
		title,
		timeline,
		now,
	});
	if (!reserved.created) throw userError((m) => m.alreadyRunning(partyLink(reserved.party)));
	const party = reserved.party;
	const langs = ctx.settings.publicLangs(interaction.guild);

	const made: SetupPosts = { posts: [] };
	let step: SetupStep = 'announcement';
	let running: Party;
	let announced: Message;
	try {
		announced = await channel.send({
			content: announcement(party, `<#${interaction.channelId}>`, now, langs),
			allowedMentions: { parse: [] },
		});
		made.announcement = announced;
		step = 'thread';
		// The thread hangs off the announcement, so the channel shows one message for the party, not two.
		if (threaded) {
			made.thread = await announced.startThread({
				name: partyName(title, langs, timeline.startAt),
				autoArchiveDuration: 1440,
			});
		}
		step = 'posts';
		const target = made.thread ?? channel;
		const send = async (payload: MessageCreateOptions) => {
			const message = await target.send(payload);
			made.posts.push(message);
			return message;
		};
		const welcome = await send(welcomePayload(ctx.dataset, plan, party, [party.hostId], now, langs));
		const control = await send(controlPayload(plan, party, now, langs));
		const countdown = await send({
			content: countdownContent(timeline, null, now, langs),
			allowedMentions: { parse: [] },
		});
		step = 'timeout';
		running = store.activate(
			party.id,
			{
				threadId: target.id,
				announceMessageId: announced.id,
				welcomeMessageId: welcome.id,
				controlMessageId: control.id,
				countdownMessageId: countdown.id,
			},
			now,
		);
		// Released as stale while Discord was slow: the messages exist but the party does not run.
		if (running.status !== 'running') throw new Error(`watch party ${party.id} setup was abandoned`);
	} catch (error) {
		store.end(party.id, 'setup-failed', ctx.now().getTime());
		ctx.logger.error(
			{ partyId: party.id, guildId: party.guildId, step, err: error },
			'watch-party setup failed; removing what it posted',
		);
		await removeFailedSetup(ctx, party, made);
		throw new UserError(localize(watchPartyText, (m) => m.setupFailed(m.setupStep[step])));
	}
	const where = `<#${running.threadId}>`;
	await interaction.editReply({ content: text(lang).startedReply(where), allowedMentions: { parse: [] } });
	if (hasOwnThread(running)) {
		try {
			// Now that the thread exists, the announcement points at it.
			await announced.edit({ content: announcement(running, where, now, langs), allowedMentions: { parse: [] } });
		} catch (error) {
			ctx.logger.warn(
				{ partyId: party.id, guildId: party.guildId, err: error },
				'could not link the watch-party thread',
			);
		}
	}
	if (inMinutes > 0) await scheduleEvent(interaction, ctx, running, lang);
}

/** A Discord Scheduled Event for a start in the future, when the bot may manage events; said so otherwise. */
async function scheduleEvent(
	interaction: ChatInputCommandInteraction<'cached'>,
	ctx: BotContext,
	party: Party,
	lang: Lang,
): Promise<void> {
	const tell = (content: string) => interaction.followUp({ content, flags: MessageFlags.Ephemeral });
	if (!interaction.appPermissions.has(PermissionFlagsBits.ManageEvents)) {
		await tell(text(lang).noEventPermission);
		return;
	}
	const langs = ctx.settings.publicLangs(interaction.guild);
	const window = eventWindow(party.timeline, ctx.dataset.watchParty, ctx.now().getTime());
	if (!window) return;
	try {
		const event = await interaction.guild.scheduledEvents.create({
			name: partyName(party.title, langs, party.timeline.startAt),
			description: langs.map((l) => text(l).eventDescription).join('\n'),
			scheduledStartTime: new Date(window.startAt),
			scheduledEndTime: new Date(window.endAt),
			privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
			entityType: GuildScheduledEventEntityType.External,
			entityMetadata: { location: messageLink(party.guildId, party.threadId ?? party.channelId) },
		});
		partyStore(ctx).setEvent(party.id, event.id);
	} catch (error) {
		ctx.logger.warn({ partyId: party.id, guildId: party.guildId, err: error }, 'could not create the scheduled event');
		await tell(text(lang).eventFailed);
	}
}

async function control(
	interaction: ChatInputCommandInteraction<'cached'>,
	ctx: BotContext,
	action: ControlAction,
): Promise<void> {
	const party = partyHere(interaction, ctx);
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

const CONTROL_ACTIONS = new Set<string>(['next', 'pause', 'resume', 'end']);

export default {
	data,

	async execute(interaction, ctx) {
		const sub = interaction.options.getSubcommand();
		if (sub === 'start') return start(interaction, ctx);
		if (sub === 'status') {
			const party = partyHere(interaction, ctx);
			await interaction.reply({
				content: statusText(ctx, party, langOf(interaction.locale)),
				flags: MessageFlags.Ephemeral,
				allowedMentions: { parse: [] },
			});
			return;
		}
		if (sub === 'seek' || CONTROL_ACTIONS.has(sub)) return control(interaction, ctx, sub as ControlAction);
		throw new UserError(localize(common, (m) => m.unknownCommand));
	},

	async button(interaction, id, ctx) {
		const party = partyOfButton(ctx, id.args[0]);
		const store = partyStore(ctx);
		const now = ctx.now().getTime();
		const langs = ctx.settings.publicLangs(interaction.guild);
		if (id.action === 'join' || id.action === 'leave') {
			if (id.action === 'join') store.join(party.id, interaction.user.id, now);
			else store.leave(party.id, interaction.user.id);
			const members = store.members(party.id);
			await interaction.update(welcomePayload(ctx.dataset, ctx.dataset.watchParty, party, members, now, langs));
			return;
		}
		if (!CONTROL_ACTIONS.has(id.action)) throw expired();
		assertCanControl(interaction, party);
		if (id.action === 'end') {
			// Ending posts the wrap-up and turns these buttons off itself, in several calls: answered first,
			// privately (not deferUpdate: an error would then replace the control message).
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			const outcome = await applyControl(interaction, ctx, party, 'end');
			await interaction.editReply({ content: outcome.reply(langOf(interaction.locale)) });
			return;
		}
		const outcome = await applyControl(interaction, ctx, party, id.action as ControlAction);
		const after = store.get(party.id) ?? party;
		await interaction.update(controlPayload(ctx.dataset.watchParty, after, now, langs));
		if (outcome.notice) await interaction.followUp({ content: outcome.notice(langs), allowedMentions: { parse: [] } });
		await keepEventInStep(interaction.client, ctx, party);
	},
} satisfies Command;
