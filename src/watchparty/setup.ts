/**
 * `/her-watchparty start`: reserve the channel, post the announcement, open the thread, post the welcome
 * card, controls and countdown, then hand the party to the engine. A setup that fails half-way takes down
 * what it posted and tells the host privately what failed.
 */
import {
	GuildScheduledEventEntityType,
	GuildScheduledEventPrivacyLevel,
	MessageFlags,
	PermissionFlagsBits,
	type AnyThreadChannel,
	type ChatInputCommandInteraction,
	type Message,
	type MessageCreateOptions,
	type PermissionsString,
	type SendableChannels,
} from 'discord.js';
import type { BotContext } from '../context.js';
import { UserError } from '../errors.js';
import { langOf, localize, type Lang } from '../i18n/index.js';
import { canOpenThreads, sendableChannel, startThread } from '../channels.js';
import { assertBotCan, assertMemberMayOpenThread, memberMayCreateEvents } from '../permissions.js';
import { hasOwnThread, messageLink, partyLink, text, userError } from './control.js';
import { partyStore } from './engine.js';
import { watchPartyText } from './messages.js';
import { announcement, controlPayload, countdownContent, partyName, sanitizeTitle, welcomePayload } from './render.js';
import type { Party } from './store.js';
import { eventWindow, startTimeline } from './timeline.js';

function neededPermissions(threaded: boolean, inThread: boolean): PermissionsString[] {
	if (threaded) return ['ViewChannel', 'SendMessages', 'EmbedLinks', 'CreatePublicThreads', 'SendMessagesInThreads'];
	return ['ViewChannel', inThread ? 'SendMessagesInThreads' : 'SendMessages', 'EmbedLinks'];
}

type SetupStep = 'announcement' | 'thread' | 'posts' | 'timeout';

/** What a setup has posted so far, so a failed one can take it down again. */
interface SetupPosts {
	/** The channel the party was started in. */
	readonly channel: SendableChannels;
	announcement?: Message;
	thread?: AnyThreadChannel;
	/** The posts made in the thread, or in place. */
	readonly posts: Message[];
}

/**
 * Takes down what a failed setup posted: its thread (with everything in it), or the posts it made in
 * place, and the announcement. Deleting a thread takes Manage Threads, which the invite does not ask for:
 * without it the bot empties the thread it created and archives it, as its creator may. Best effort: what
 * cannot be removed is logged.
 */
async function removeFailedSetup(
	ctx: BotContext,
	party: Party,
	made: SetupPosts,
	mayManageThreads: boolean,
): Promise<void> {
	const { channel, thread, announcement: announced } = made;
	const target = thread ?? channel;
	const removals: (() => Promise<unknown>)[] = [
		...(thread && mayManageThreads
			? [() => thread.delete()]
			: made.posts.map((post) => () => target.messages.delete(post.id))),
		...(thread && !mayManageThreads ? [() => thread.setArchived(true)] : []),
		...(announced ? [() => channel.messages.delete(announced.id)] : []),
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

export async function startParty(interaction: ChatInputCommandInteraction<'cached'>, ctx: BotContext): Promise<void> {
	// Answered at once, and only to the host: the public announcement is a post of its own, so a setup
	// that fails half-way can take it down and tell the host privately, and Discord's 3 s never pass.
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const store = partyStore(ctx);
	const plan = ctx.dataset.watchParty;
	const lang = langOf(interaction.locale);
	const inMinutes = interaction.options.getInteger('in') ?? 0;
	const atMinute = interaction.options.getInteger('at') ?? 0;
	const title = sanitizeTitle(interaction.options.getString('title'));
	const known = ctx.guilds.channel(interaction.guildId, interaction.channelId);
	const channel = await sendableChannel(interaction.client, known, interaction.channelId);
	const existing = await store.activeFor(interaction.channelId);
	if (existing) throw userError((m) => m.alreadyRunning(partyLink(existing)));
	// A party gets its own thread where one can open; elsewhere (voice and stage chat, a thread) it posts in place.
	const threaded = canOpenThreads(known);
	if (threaded) assertMemberMayOpenThread(interaction.memberPermissions, `<#${interaction.channelId}>`);
	assertBotCan(
		interaction.appPermissions,
		neededPermissions(threaded, channel?.isThread() ?? false),
		`<#${interaction.channelId}>`,
	);
	if (!channel) throw new Error('watch-party channel is not sendable');

	const now = ctx.now().getTime();
	const timeline = startTimeline(plan, { now, inMinutes, atMinute });
	const reserved = await store.reserve({
		guildId: interaction.guildId,
		channelId: interaction.channelId,
		hostId: interaction.user.id,
		title,
		timeline,
		now,
	});
	if (!reserved.created) throw userError((m) => m.alreadyRunning(partyLink(reserved.party)));
	const party = reserved.party;
	const langs = await ctx.settings.publicLangs(interaction.guild);

	const made: SetupPosts = { channel, posts: [] };
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
			made.thread = await startThread(interaction.client, known, announced, {
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
		running = await store.activate(
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
		// What was posted is taken down even when the database is away: the setup is then released as stale.
		await store.end(party.id, 'setup-failed', ctx.now().getTime()).catch((endError: unknown) => {
			ctx.logger.warn({ partyId: party.id, err: endError }, 'could not release a failed watch-party setup');
		});
		ctx.logger.error(
			{ partyId: party.id, guildId: party.guildId, step, err: error },
			'watch-party setup failed; removing what it posted',
		);
		const mayManageThreads = !!known && ctx.guilds.permissionsIn(known).has(PermissionFlagsBits.ManageThreads);
		await removeFailedSetup(ctx, party, made, mayManageThreads);
		throw new UserError(localize(watchPartyText, (m) => m.setupFailed(m.setupStep[step])));
	}
	const where = `<#${running.threadId}>`;
	await interaction.editReply({ content: text(lang).startedReply(where), allowedMentions: { parse: [] } });
	if (hasOwnThread(running)) {
		try {
			// Now that the thread exists, the announcement points at it.
			await channel.messages.edit(announced.id, {
				content: announcement(running, where, now, langs),
				allowedMentions: { parse: [] },
			});
		} catch (error) {
			ctx.logger.warn(
				{ partyId: party.id, guildId: party.guildId, err: error },
				'could not link the watch-party thread',
			);
		}
	}
	if (inMinutes > 0) await scheduleEvent(interaction, ctx, running, lang);
}

/**
 * A Discord Scheduled Event for a start in the future, when the host may create events in the server and
 * the bot may manage them; otherwise the party goes on without one and the host is told why, privately.
 */
async function scheduleEvent(
	interaction: ChatInputCommandInteraction<'cached'>,
	ctx: BotContext,
	party: Party,
	lang: Lang,
): Promise<void> {
	const tell = (content: string) => interaction.followUp({ content, flags: MessageFlags.Ephemeral });
	if (!memberMayCreateEvents(interaction.memberPermissions)) {
		await tell(text(lang).noEventRight);
		return;
	}
	if (!interaction.appPermissions.has(PermissionFlagsBits.ManageEvents)) {
		await tell(text(lang).noEventPermission);
		return;
	}
	const langs = await ctx.settings.publicLangs(interaction.guild);
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
		await partyStore(ctx).setEvent(party.id, event.id);
	} catch (error) {
		ctx.logger.warn({ partyId: party.id, guildId: party.guildId, err: error }, 'could not create the scheduled event');
		await tell(text(lang).eventFailed);
	}
}
