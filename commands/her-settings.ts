import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	ChannelType,
	InteractionContextType,
	MessageFlags,
	PermissionFlagsBits,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { checkChannels } from '../src/check.js';
import type { Command } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { contentText } from '../src/i18n/content.js';
import { assertManageGuild } from '../src/permissions.js';
import { langOf, localize, SERVER_LANGUAGES, type ServerLanguage } from '../src/i18n/index.js';

const data = {
	name: 'her-settings',
	description: 'Server settings for Her Film Club',
	description_localizations: { ko: 'Her Film Club 서버 설정' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'language',
			description: 'The language of public posts: Korean, English or both',
			description_localizations: { ko: '공개 게시물 언어: 한국어, 영어, 또는 둘 다' },
			options: [
				{
					type: ApplicationCommandOptionType.String,
					name: 'language',
					description: 'Korean, English, or both (Korean first)',
					description_localizations: { ko: '한국어, 영어, 또는 둘 다 (한국어 먼저)' },
					required: true,
					choices: [
						{ name: 'Korean', name_localizations: { ko: '한국어' }, value: 'ko' },
						{ name: 'English', name_localizations: { ko: '영어' }, value: 'en' },
						{ name: 'Both', name_localizations: { ko: '둘 다' }, value: 'both' },
					],
				},
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'check',
			description: 'What the bot can and can’t do in a channel, and how to fix it',
			description_localizations: { ko: '채널에서 봇이 할 수 있는 일과 없는 일, 고치는 방법' },
			options: [
				{
					type: ApplicationCommandOptionType.Channel,
					name: 'channel',
					description: 'The channel to check (default: every channel the bot posts in by itself)',
					description_localizations: { ko: '확인할 채널 (기본: 봇이 스스로 글을 올리는 모든 채널)' },
					channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum],
				},
			],
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,

	async execute(interaction, ctx) {
		assertManageGuild(interaction.memberPermissions);
		if (interaction.options.getSubcommand() === 'check') {
			const asked = interaction.options.getChannel('channel');
			const channel = asked ? (ctx.guilds.channel(interaction.guildId, asked.id) ?? null) : null;
			const answer = await checkChannels(interaction.guild, ctx.db, ctx.guilds, langOf(interaction.locale), channel);
			await interaction.reply({ ...answer, flags: MessageFlags.Ephemeral });
			return;
		}
		const language = interaction.options.getString('language', true);
		if (!SERVER_LANGUAGES.includes(language as ServerLanguage)) {
			throw new UserError(localize(contentText, (m) => m.unknownLanguage));
		}
		await ctx.settings.setLanguage(interaction.guildId, language as ServerLanguage, ctx.now());
		const t = contentText[langOf(interaction.locale)];
		await interaction.reply({
			content: t.languageSet(t.languageNames[language as ServerLanguage]),
			flags: MessageFlags.Ephemeral,
		});
	},
} satisfies Command;
