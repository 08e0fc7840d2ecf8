import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	ChannelType,
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../src/command.js';
import type { BotContext } from '../src/context.js';
import { UserError } from '../src/errors.js';
import { common } from '../src/i18n/common.js';
import { langOf, localize } from '../src/i18n/index.js';
import { assertManageGuild, missing, missingPermissionsError } from '../src/permissions.js';
import { REFLECTION_POOL, neededPermissions } from '../src/reflection/job.js';
import { discordTime, pausedText, reflectionText } from '../src/reflection/messages.js';
import { reflectionEmbed } from '../src/reflection/render.js';
import { ReflectionStore } from '../src/reflection/store.js';
import { formatTime, parseTime } from '../src/reflection/time.js';
import { DEFAULT_TIME_ZONE, resolveTimeZone, timeZoneChoices } from '../src/reflection/zones.js';

const POST_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

// Subcommands share one default_member_permissions, and `now` and `status` are for everyone, so it stays
// unset here and `schedule` and `stop` check Manage Server when they run.
const data = {
	name: 'her-reflection',
	description: 'A daily reflection prompt about Her for this server',
	description_localizations: { ko: '〈그녀〉를 곱씹는 서버의 매일 성찰 질문' },
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
			description: 'Post one prompt every day at a set local time (Manage Server)',
			description_localizations: { ko: '매일 정한 시각에 성찰 질문을 하나씩 올려요 (서버 관리하기 권한)' },
			options: [
				{
					type: ApplicationCommandOptionType.Channel,
					name: 'channel',
					description: 'The channel to post in',
					description_localizations: { ko: '질문을 올릴 채널' },
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
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'stop',
			description: 'Stop the daily prompt (Manage Server)',
			description_localizations: { ko: '매일 성찰 질문을 멈춰요 (서버 관리하기 권한)' },
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'status',
			description: 'Show when and where the daily prompt is posted',
			description_localizations: { ko: '매일 성찰 질문이 언제 어디에 올라오는지 보여 줘요' },
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

type Interaction = ChatInputCommandInteraction<'cached'>;

async function postNow(interaction: Interaction, ctx: BotContext): Promise<void> {
	const ids = ctx.dataset.reflections.map((reflection) => reflection.id);
	// Shares the daily rotation, so a prompt asked for today doesn't come back as tomorrow's.
	const id = ctx.rotation.next(interaction.guildId, REFLECTION_POOL, ids, ctx.random, ctx.now());
	const reflection = ctx.dataset.reflections.find((candidate) => candidate.id === id);
	if (!reflection) throw new UserError(localize(reflectionText, (m) => m.noPrompts));
	const langs = ctx.settings.publicLangs(interaction.guild);
	await interaction.reply({ embeds: [reflectionEmbed(ctx.dataset, reflection, langs)] });
}

async function schedule(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const { guild } = interaction;
	const picked = interaction.options.getChannel('channel', true);
	const channel = guild.channels.cache.get(picked.id);
	if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
		throw new UserError(localize(reflectionText, (m) => m.badChannel(`<#${picked.id}>`)));
	}
	const rawTime = interaction.options.getString('time', true);
	const time = parseTime(rawTime);
	if (!time) throw new UserError(localize(reflectionText, (m) => m.badTime(rawTime)));
	const rawZone = interaction.options.getString('timezone') ?? DEFAULT_TIME_ZONE;
	const timeZone = resolveTimeZone(rawZone);
	if (!timeZone) throw new UserError(localize(reflectionText, (m) => m.badTimeZone(rawZone)));
	const thread = interaction.options.getBoolean('thread') ?? false;

	const me = guild.members.me ?? (await guild.members.fetchMe());
	const granted = channel.permissionsFor(me);
	const lacking = missing(granted, neededPermissions(thread));
	if (lacking.length > 0) throw missingPermissionsError(lacking, `<#${channel.id}>`);

	const role = interaction.options.getRole('role');
	if (role) {
		if (role.id === guild.id) throw new UserError(localize(reflectionText, (m) => m.everyoneRole));
		if (!role.mentionable && !granted.has(PermissionFlagsBits.MentionEveryone, true)) {
			throw new UserError(localize(reflectionText, (m) => m.roleNotMentionable(`<@&${role.id}>`)));
		}
	}

	const saved = new ReflectionStore(ctx.db).save(
		{
			guildId: guild.id,
			channelId: channel.id,
			time: formatTime(time),
			timeZone,
			roleId: role?.id ?? null,
			thread,
			updatedBy: interaction.user.id,
			updatedLocale: interaction.locale,
		},
		ctx.now(),
	);
	ctx.logger.info(
		{ guildId: guild.id, channelId: channel.id, time: saved.time, timeZone, nextDueAt: saved.nextDueAt },
		'daily reflection scheduled',
	);
	await interaction.reply({
		content: reflectionText[langOf(interaction.locale)].scheduled({
			channel: `<#${channel.id}>`,
			time: saved.time,
			timeZone,
			next: discordTime(saved.nextDueAt),
			role: saved.roleId ? `<@&${saved.roleId}>` : null,
			thread,
		}),
		flags: MessageFlags.Ephemeral,
		allowedMentions: { parse: [] },
	});
}

async function stop(interaction: Interaction, ctx: BotContext): Promise<void> {
	assertManageGuild(interaction.memberPermissions);
	const removed = new ReflectionStore(ctx.db).remove(interaction.guildId);
	const t = reflectionText[langOf(interaction.locale)];
	if (removed)
		ctx.logger.info({ guildId: interaction.guildId, userId: interaction.user.id }, 'daily reflection stopped');
	await interaction.reply({ content: removed ? t.stopped : t.nothingToStop, flags: MessageFlags.Ephemeral });
}

async function status(interaction: Interaction, ctx: BotContext): Promise<void> {
	const lang = langOf(interaction.locale);
	const t = reflectionText[lang];
	const store = new ReflectionStore(ctx.db);
	const current = store.get(interaction.guildId);
	if (!current) {
		await interaction.reply({ content: t.notScheduled, flags: MessageFlags.Ephemeral });
		return;
	}
	const last = store.lastSent(interaction.guildId);
	const lines = [
		`**${t.statusTitle}**`,
		`${t.statusChannel}: <#${current.channelId}>`,
		`${t.statusTime}: ${current.time} (${current.timeZone})`,
		`${t.statusRole}: ${current.roleId ? `<@&${current.roleId}>` : '—'}`,
		`${t.statusThread}: ${current.thread ? t.yes : t.no}`,
		current.paused
			? `${t.statusPaused}: ${pausedText(lang, current.paused)} ${t.resumeHint(discordTime(current.nextDueAt))}`
			: `${t.statusNext}: ${discordTime(current.nextDueAt)}`,
		`${t.statusLast}: ${
			last?.messageId
				? `[${t.jumpToPost(last.localDate)}](https://discord.com/channels/${last.guildId}/${last.channelId}/${last.messageId})`
				: t.noneYet
		}`,
	];
	await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
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
		if (focused.name !== 'timezone') {
			await interaction.respond([]);
			return;
		}
		await interaction.respond(timeZoneChoices(focused.value, ctx.now()));
	},
} satisfies Command;
