import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	ChannelType,
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	type APIApplicationCommandChannelOption,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../src/command.js';
import type { BotContext } from '../src/context.js';
import { UserError } from '../src/errors.js';
import type { KnownChannel, KnownTag } from '../src/guilds.js';
import { common } from '../src/i18n/common.js';
import { langOf, localize } from '../src/i18n/index.js';
import { assertManageGuild, missing, missingPermissionsError } from '../src/permissions.js';
import { formatDays, parseDays } from '../src/reflection/days.js';
import { PIN_PERMISSION, REFLECTION_POOL, isPostChannel, neededPermissions } from '../src/reflection/job.js';
import { discordTime, pausedText, reflectionText } from '../src/reflection/messages.js';
import { reflectionEmbed } from '../src/reflection/render.js';
import { MAX_SCHEDULES_PER_GUILD, ReflectionStore, type ReflectionSchedule } from '../src/reflection/store.js';
import { EVERY_DAY, formatTime, instantOf, parseTime } from '../src/reflection/time.js';
import { DEFAULT_TIME_ZONE, resolveTimeZone, timeZoneChoices } from '../src/reflection/zones.js';

const POST_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum] as const;

/** The `channel` option of skip, pause, resume and stop: optional while the server has one schedule. */
const whichChannel: APIApplicationCommandChannelOption = {
	type: ApplicationCommandOptionType.Channel,
	name: 'channel',
	description: 'The schedule’s channel (needed when the server has several)',
	description_localizations: { ko: '설정된 채널 (서버에 여러 개 있을 때 필요해요)' },
	channel_types: [...POST_CHANNEL_TYPES],
};

// Subcommands share one default_member_permissions, and `now` and `status` are for everyone, so it stays
// unset here and the others check Manage Server when they run.
const data = {
	name: 'her-reflection',
	description: 'A daily reflection prompt about Her for this server',
	description_localizations: { ko: '〈그녀〉를 곱씹는 서버의 성찰 질문' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'now',
			description: 'Post one reflection prompt here, now',
			description_localizations: { ko: '지금 여기에 성찰 질문을 하나 올려요' },
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'schedule',
			description: 'Post a prompt on the chosen days at a set local time (Manage Server)',
			description_localizations: { ko: '고른 요일마다 정한 시각에 성찰 질문을 올려요 (서버 관리하기 권한)' },
			options: [
				{
					type: ApplicationCommandOptionType.Channel,
					name: 'channel',
					description: 'The channel to post in (one that has a schedule: it is edited)',
					description_localizations: { ko: '질문을 올릴 채널 (이미 설정된 채널이면 그 설정을 바꿔요)' },
					channel_types: [...POST_CHANNEL_TYPES],
					required: true,
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'time',
					description: '24-hour time, e.g. 09:00 or 21:30',
					description_localizations: { ko: '24시간 형식 시각, 예: 09:00, 21:30' },
					required: true,
					min_length: 4,
					max_length: 5,
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'timezone',
					description: 'IANA time zone, e.g. Asia/Seoul (the default)',
					description_localizations: { ko: 'IANA 시간대, 예: Asia/Seoul (기본값)' },
					autocomplete: true,
					max_length: 100,
				},
				{
					type: ApplicationCommandOptionType.Role,
					name: 'role',
					description: 'A role to mention with each prompt',
					description_localizations: { ko: '질문마다 멘션할 역할' },
				},
				{
					type: ApplicationCommandOptionType.Boolean,
					name: 'thread',
					description: 'Open a public thread named after each prompt',
					description_localizations: { ko: '질문마다 그 이름으로 공개 스레드를 열어요' },
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'days',
					description: 'Days to post: daily (default), weekdays, weekends, or e.g. sat,sun or mon-fri',
					description_localizations: { ko: '올릴 요일: 매일(기본값), 평일, 주말, 또는 토,일 · 월-금 같은 요일' },
					max_length: 60,
				},
				{
					type: ApplicationCommandOptionType.Boolean,
					name: 'pin',
					description: 'Pin each prompt and unpin the one before (needs Pin Messages)',
					description_localizations: { ko: '질문마다 고정하고 이전 질문은 고정을 풀어요 (메시지 고정하기 권한)' },
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'tag',
					description: 'In a forum channel: the tag each prompt’s post gets',
					description_localizations: { ko: '포럼 채널에서: 질문 게시물마다 붙일 태그' },
					autocomplete: true,
					max_length: 100,
				},
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'skip',
			description: 'Skip the next prompt of a schedule (Manage Server)',
			description_localizations: { ko: '다음 질문 하나를 건너뛰어요 (서버 관리하기 권한)' },
			options: [whichChannel],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'pause',
			description: 'Pause a schedule until resume (Manage Server)',
			description_localizations: { ko: '다시 시작할 때까지 질문을 멈춰 둬요 (서버 관리하기 권한)' },
			options: [whichChannel],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'resume',
			description: 'Resume a paused schedule; the days in between are not posted (Manage Server)',
			description_localizations: {
				ko: '일시정지한 질문을 다시 시작해요. 그사이의 날은 올리지 않아요 (서버 관리하기 권한)',
			},
			options: [whichChannel],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'stop',
			description: 'Stop the daily prompt (Manage Server)',
			description_localizations: { ko: '성찰 질문을 멈춰요 (서버 관리하기 권한)' },
			options: [whichChannel],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'status',
			description: 'Show when and where the daily prompt is posted',
			description_localizations: { ko: '성찰 질문이 언제 어디에 올라오는지 보여 줘요' },
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

type Interaction = ChatInputCommandInteraction<'cached'>;

async function postNow(interaction: Interaction, ctx: BotContext): Promise<void> {
	const ids = ctx.dataset.reflections.map((reflection) => reflection.id);
	// Shares the daily rotation, so a prompt asked for today doesn't come back as tomorrow's.
	const id = await ctx.rotation.next(interaction.guildId, REFLECTION_POOL, ids, ctx.random, ctx.now());
	const reflection = ctx.dataset.reflections.find((candidate) => candidate.id === id);
	if (!reflection) throw new UserError(localize(reflectionText, (m) => m.noPrompts));
	const langs = await ctx.settings.publicLangs(interaction.guild);
	await interaction.reply({ embeds: [reflectionEmbed(ctx.dataset, reflection, langs)] });
}

/** The forum tag named by `input` (its id, as autocomplete gives it, or its name as typed). */
function findTag(channel: KnownChannel, input: string): KnownTag | undefined {
	const name = input.trim().toLowerCase();
	return channel.tags?.find((tag) => tag.id === input || tag.name.toLowerCase() === name);
}

async function schedule(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const { guild } = interaction;
	const picked = interaction.options.getChannel('channel', true);
	const channel = ctx.guilds.channel(guild.id, picked.id);
	if (!isPostChannel(channel)) {
		throw new UserError(localize(reflectionText, (m) => m.badChannel(`<#${picked.id}>`)));
	}
	const forum = channel.type === ChannelType.GuildForum;
	const rawTime = interaction.options.getString('time', true);
	const time = parseTime(rawTime);
	if (!time) throw new UserError(localize(reflectionText, (m) => m.badTime(rawTime)));
	const rawZone = interaction.options.getString('timezone') ?? DEFAULT_TIME_ZONE;
	const timeZone = resolveTimeZone(rawZone);
	if (!timeZone) throw new UserError(localize(reflectionText, (m) => m.badTimeZone(rawZone)));
	const store = new ReflectionStore(ctx.db);
	const existing = await store.get(guild.id, channel.id);

	// Options added since the first version keep what the schedule has when an edit leaves them out.
	const rawDays = interaction.options.getString('days');
	const parsedDays = rawDays === null ? { days: existing?.days ?? EVERY_DAY } : parseDays(rawDays);
	if ('unknown' in parsedDays) throw new UserError(localize(reflectionText, (m) => m.badDays(parsedDays.unknown)));
	const pin = interaction.options.getBoolean('pin') ?? existing?.pin ?? false;
	if (pin && forum) throw new UserError(localize(reflectionText, (m) => m.pinInForum));
	const rawTag = interaction.options.getString('tag');
	if (rawTag !== null && !forum) throw new UserError(localize(reflectionText, (m) => m.tagNotForum));
	const tag = forum && rawTag !== null ? findTag(channel, rawTag) : undefined;
	if (forum && rawTag !== null && !tag) {
		const tags = (channel.tags ?? []).map((candidate) => `**${candidate.name}**`).join(', ');
		throw new UserError(localize(reflectionText, (m) => m.badTag(rawTag, `<#${channel.id}>`, tags)));
	}
	const forumTagId = forum ? (tag?.id ?? (rawTag === null ? (existing?.forumTagId ?? null) : null)) : null;
	// In a forum every prompt is its own thread already.
	const thread = !forum && (interaction.options.getBoolean('thread') ?? false);

	const granted = ctx.guilds.permissionsIn(channel);
	const lacking = missing(granted, neededPermissions(thread));
	if (lacking.length > 0) throw missingPermissionsError(lacking, `<#${channel.id}>`);

	const role = interaction.options.getRole('role');
	if (role) {
		if (role.id === guild.id) throw new UserError(localize(reflectionText, (m) => m.everyoneRole));
		if (!role.mentionable && !granted.has(PermissionFlagsBits.MentionEveryone, true)) {
			throw new UserError(localize(reflectionText, (m) => m.roleNotMentionable(`<@&${role.id}>`)));
		}
	}

	if (!existing) {
		// A schedule whose channel was deleted can never post again: a new channel takes its place.
		const others = await store.list(guild.id);
		for (const gone of others.filter((other) => !ctx.guilds.channel(guild.id, other.channelId))) {
			await store.remove(gone);
		}
		if ((await store.list(guild.id)).length >= MAX_SCHEDULES_PER_GUILD) {
			throw new UserError(localize(reflectionText, (m) => m.tooMany(MAX_SCHEDULES_PER_GUILD)));
		}
	}

	const saved = await store.save(
		{
			guildId: guild.id,
			channelId: channel.id,
			time: formatTime(time),
			timeZone,
			roleId: role?.id ?? null,
			thread,
			days: parsedDays.days,
			pin,
			forumTagId,
			updatedBy: interaction.user.id,
			updatedLocale: interaction.locale,
		},
		ctx.now(),
	);
	ctx.logger.info(
		{
			guildId: guild.id,
			channelId: channel.id,
			time: saved.time,
			timeZone,
			days: saved.days,
			nextDueAt: saved.nextDueAt,
		},
		'daily reflection scheduled',
	);
	const lang = langOf(interaction.locale);
	await interaction.reply({
		content: reflectionText[lang].scheduled({
			channel: `<#${channel.id}>`,
			time: saved.time,
			timeZone,
			next: discordTime(saved.nextDueAt),
			role: saved.roleId ? `<@&${saved.roleId}>` : null,
			thread,
			days: formatDays(saved.days, lang),
			pin,
			forum,
			tag: forum ? (channel.tags?.find((candidate) => candidate.id === forumTagId)?.name ?? null) : null,
			held: saved.held !== null,
		}),
		flags: MessageFlags.Ephemeral,
		allowedMentions: { parse: [] },
	});
}

/** The schedule skip, pause, resume and stop act on: the one in `channel`, or the server's only one. */
async function target(interaction: Interaction, store: ReflectionStore): Promise<ReflectionSchedule> {
	const picked = interaction.options.getChannel('channel');
	if (picked) {
		const found = await store.get(interaction.guildId, picked.id);
		if (!found) throw new UserError(localize(reflectionText, (m) => m.noneIn(`<#${picked.id}>`)));
		return found;
	}
	const all = await store.list(interaction.guildId);
	if (all.length === 0) throw new UserError(localize(reflectionText, (m) => m.notScheduled));
	if (all.length > 1) {
		const channels = all.map((one) => `<#${one.channelId}>`).join(', ');
		throw new UserError(localize(reflectionText, (m) => m.whichSchedule(channels)));
	}
	return all[0]!;
}

async function answer(interaction: Interaction, content: string): Promise<void> {
	await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

async function stop(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const store = new ReflectionStore(ctx.db);
	const t = reflectionText[langOf(interaction.locale)];
	// With no schedule at all, nothing to stop is an answer, not an error.
	if ((await store.list(interaction.guildId)).length === 0 && !interaction.options.getChannel('channel')) {
		await answer(interaction, t.nothingToStop);
		return;
	}
	const stopped = await target(interaction, store);
	await store.remove(stopped);
	ctx.logger.info(
		{ guildId: interaction.guildId, channelId: stopped.channelId, userId: interaction.user.id },
		'daily reflection stopped',
	);
	await answer(interaction, t.stopped(`<#${stopped.channelId}>`));
}

async function skip(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const store = new ReflectionStore(ctx.db);
	const schedule = await target(interaction, store);
	const result = (await store.skipNext(schedule, ctx.now()))!;
	const t = reflectionText[langOf(interaction.locale)];
	const skippedAt = discordTime(new Date(instantOf(result.skipped, parseTime(schedule.time)!, schedule.timeZone)));
	ctx.logger.info(
		{ guildId: schedule.guildId, channelId: schedule.channelId, skipped: result.skipped },
		'daily reflection day skipped',
	);
	const next = schedule.held
		? `${t.statusPaused} ${t.statusHeld(`<@${schedule.held.by}>`)}`
		: discordTime(result.nextDueAt);
	await answer(interaction, t.skipped(`<#${schedule.channelId}>`, result.skipped, skippedAt, next));
}

async function pause(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const store = new ReflectionStore(ctx.db);
	const schedule = await target(interaction, store);
	const held = await store.hold(schedule, interaction.user.id, ctx.now());
	const t = reflectionText[langOf(interaction.locale)];
	if (held) {
		ctx.logger.info(
			{ guildId: schedule.guildId, channelId: schedule.channelId },
			'daily reflection paused by an admin',
		);
	}
	await answer(interaction, (held ? t.held : t.alreadyHeld)(`<#${schedule.channelId}>`));
}

async function resume(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const store = new ReflectionStore(ctx.db);
	const schedule = await target(interaction, store);
	const resumed = await store.release(schedule, ctx.now());
	const t = reflectionText[langOf(interaction.locale)];
	const channel = `<#${schedule.channelId}>`;
	if (!resumed) {
		await answer(interaction, t.notHeld(channel, discordTime(schedule.nextDueAt)));
		return;
	}
	ctx.logger.info(
		{ guildId: schedule.guildId, channelId: schedule.channelId, nextDueAt: resumed.nextDueAt },
		'daily reflection resumed by an admin',
	);
	await answer(interaction, t.resumed(channel, discordTime(resumed.nextDueAt)));
}

/** Replies in the last prompt's thread or forum post, as Discord counts them now; null without a thread. */
async function repliesTo(interaction: Interaction, threadId: string | null): Promise<number | null> {
	if (!threadId) return null;
	try {
		// Asked of Discord: the message count is not something the bot keeps.
		const thread = await interaction.guild.channels.fetch(threadId, { cache: false });
		return thread?.isThread() ? (thread.messageCount ?? null) : null;
	} catch {
		// Deleted, or closed to the bot: the count is simply not shown.
		return null;
	}
}

async function statusLines(
	interaction: Interaction,
	ctx: BotContext,
	store: ReflectionStore,
	schedule: ReflectionSchedule,
) {
	const lang = langOf(interaction.locale);
	const t = reflectionText[lang];
	const channel = ctx.guilds.channel(interaction.guildId, schedule.channelId);
	const forum = channel?.type === ChannelType.GuildForum;
	const last = await store.lastSent(schedule);
	const replies = await repliesTo(interaction, last?.threadId ?? null);
	const canPin = !channel || ctx.guilds.permissionsIn(channel).has(PIN_PERMISSION, true);
	const tag = forum && schedule.forumTagId ? channel.tags?.find((one) => one.id === schedule.forumTagId) : null;
	return [
		`${t.statusChannel}: <#${schedule.channelId}>`,
		`${t.statusTime}: ${schedule.time} (${schedule.timeZone})`,
		`${t.statusDays}: ${formatDays(schedule.days, lang)}`,
		`${t.statusRole}: ${schedule.roleId ? `<@&${schedule.roleId}>` : '—'}`,
		forum
			? `${t.statusForum}: ${t.yes}${tag ? ` · ${t.statusTag}: ${tag.name}` : ''}`
			: `${t.statusThread}: ${schedule.thread ? t.yes : t.no}`,
		schedule.pin ? `${t.statusPin}: ${t.yes}${canPin ? '' : `, ${t.pinMissing}`}` : null,
		schedule.held
			? `${t.statusPaused}: ${t.statusHeld(`<@${schedule.held.by}>`)}`
			: schedule.paused
				? `${t.statusPaused}: ${pausedText(lang, schedule.paused)} ${t.resumeHint(discordTime(schedule.nextDueAt))}`
				: `${t.statusNext}: ${discordTime(schedule.nextDueAt)}`,
		`${t.statusLast}: ${
			last?.messageId
				? `[${t.jumpToPost(last.localDate)}](https://discord.com/channels/${last.guildId}/${last.threadId && forum ? last.threadId : last.channelId}/${last.messageId})${replies === null ? '' : ` · ${t.replies(replies)}`}`
				: t.noneYet
		}`,
	].filter((line) => line !== null);
}

/** One schedule: a message as before. Several: one embed each, since five would not fit in one message. */
async function status(interaction: Interaction, ctx: BotContext): Promise<void> {
	const t = reflectionText[langOf(interaction.locale)];
	const store = new ReflectionStore(ctx.db);
	const schedules = await store.list(interaction.guildId);
	if (schedules.length === 0) {
		await answer(interaction, t.notScheduled);
		return;
	}
	if (schedules.length === 1) {
		const lines = await statusLines(interaction, ctx, store, schedules[0]!);
		await answer(interaction, [`**${t.statusTitle}**`, ...lines].join('\n'));
		return;
	}
	const embeds = [];
	for (const one of schedules) {
		const name = ctx.guilds.channel(interaction.guildId, one.channelId)?.name ?? one.channelId;
		embeds.push({
			title: `${t.statusTitle} · #${name}`,
			description: (await statusLines(interaction, ctx, store, one)).join('\n'),
		});
	}
	await interaction.reply({
		content: t.statusCount(schedules.length, MAX_SCHEDULES_PER_GUILD),
		embeds,
		flags: MessageFlags.Ephemeral,
		allowedMentions: { parse: [] },
	});
}

/** The chosen forum's tags matching what is typed (none before a forum is chosen). */
function tagChoices(channel: KnownChannel | undefined, typed: string) {
	if (channel?.type !== ChannelType.GuildForum) return [];
	const text = typed.trim().toLowerCase();
	return (channel.tags ?? [])
		.filter((tag) => tag.name.toLowerCase().includes(text))
		.slice(0, 25)
		.map((tag) => ({ name: tag.name, value: tag.id }));
}

export default {
	data,
	publicPost: { command: ['now'] },

	async execute(interaction, ctx) {
		switch (interaction.options.getSubcommand(true)) {
			case 'now':
				return postNow(interaction, ctx);
			case 'schedule':
				return schedule(interaction, ctx);
			case 'skip':
				return skip(interaction, ctx);
			case 'pause':
				return pause(interaction, ctx);
			case 'resume':
				return resume(interaction, ctx);
			case 'stop':
				return stop(interaction, ctx);
			case 'status':
				return status(interaction, ctx);
			default:
				throw new UserError(localize(common, (m) => m.unknownCommand));
		}
	},

	async autocomplete(interaction, ctx) {
		const focused = interaction.options.getFocused(true);
		if (focused.name === 'timezone') {
			await interaction.respond(timeZoneChoices(focused.value, ctx.now()));
			return;
		}
		if (focused.name === 'tag') {
			await interaction.respond(
				tagChoices(
					interaction.guildId
						? ctx.guilds.channel(interaction.guildId, String(interaction.options.get('channel')?.value))
						: undefined,
					focused.value,
				),
			);
			return;
		}
		await interaction.respond([]);
	},
} satisfies Command;
