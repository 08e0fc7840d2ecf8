import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	InteractionContextType,
	MessageFlags,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { PHASE_CHOICES, THEME_CHOICES } from '../src/choices.js';
import type { Command } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { contentText } from '../src/i18n/content.js';
import { langOf, localize } from '../src/i18n/index.js';
import { assertBotCan, assertMemberMayOpenThread } from '../src/permissions.js';
import { isHiddenQuestion, questionEmbed, threadName } from '../src/render/items.js';
import { canOpenThreads, startThread } from '../src/channels.js';

const data = {
	name: 'her-question',
	description: 'A question to talk about, before, during or after watching Her',
	description_localizations: { ko: '〈그녀〉를 보기 전, 보는 중, 본 후에 함께 나눌 질문' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'theme',
			description: 'Only questions about this theme',
			description_localizations: { ko: '이 주제의 질문만' },
			choices: THEME_CHOICES,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'phase',
			description: 'Before, while or after watching (after-watching questions are spoiler-tagged)',
			description_localizations: { ko: '보기 전, 보는 중, 본 후 (본 후 질문은 스포일러로 가려져요)' },
			choices: PHASE_CHOICES,
		},
		{
			type: ApplicationCommandOptionType.Boolean,
			name: 'thread',
			description: 'Open a public thread named after the question',
			description_localizations: { ko: '질문 이름으로 공개 스레드를 열어요' },
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	publicPost: { command: true },

	async execute(interaction, ctx) {
		const theme = interaction.options.getString('theme');
		const phase = interaction.options.getString('phase');
		const withThread = interaction.options.getBoolean('thread') ?? false;
		const channel = ctx.guilds.channel(interaction.guildId, interaction.channelId);
		if (withThread) {
			if (!canOpenThreads(channel)) throw new UserError(localize(contentText, (m) => m.threadsNotHere));
			assertMemberMayOpenThread(interaction.memberPermissions, `<#${interaction.channelId}>`);
			assertBotCan(
				interaction.appPermissions,
				['CreatePublicThreads', 'SendMessagesInThreads'],
				`<#${interaction.channelId}>`,
			);
		}
		const pool = ctx.dataset.questions.filter(
			(question) => (!theme || question.themes.includes(theme)) && (!phase || question.phase === phase),
		);
		const id = await ctx.rotation.next(
			interaction.channelId,
			`question:${theme ?? 'all'}:${phase ?? 'all'}`,
			pool.map((question) => question.id),
			ctx.random,
			ctx.now(),
		);
		const question = pool.find((candidate) => candidate.id === id);
		if (!question) throw new UserError(localize(contentText, (m) => m.noQuestions));

		const langs = await ctx.settings.publicLangs(interaction.guild);
		const embeds = [questionEmbed(ctx.dataset, question, langs)];
		if (!withThread) {
			await interaction.reply({ embeds });
			return;
		}
		const message = (await interaction.reply({ embeds, withResponse: true })).resource?.message;
		if (!message || !channel) return;
		// The name is public and cannot hide spoilers, so after-watching questions get a neutral name.
		const lang = langs[0] ?? 'en';
		const name = isHiddenQuestion(question) ? contentText[lang].spoilerThreadName : question.text[lang];
		try {
			await startThread(interaction.client, channel, message, {
				name: threadName('💬 ', name),
				autoArchiveDuration: 1440,
			});
		} catch (error) {
			ctx.logger.warn({ err: error, guildId: interaction.guildId }, 'could not open a question thread');
			await interaction.followUp({
				content: contentText[langOf(interaction.locale)].threadFailed,
				flags: MessageFlags.Ephemeral,
			});
		}
	},
} satisfies Command;
