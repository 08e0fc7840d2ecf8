import {
	ApplicationIntegrationType,
	InteractionContextType,
	MessageFlags,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../src/command.js';
import { contentText } from '../src/i18n/content.js';
import { langOf } from '../src/i18n/index.js';
import { EMBED_COLOR } from '../src/render/common.js';
import { filmCardEmbed } from '../src/render/film.js';
import { renderText } from '../src/render/messages.js';

const data = {
	name: 'her-about',
	description: 'About this bot: the film, how to use it, and where its words come from',
	description_localizations: { ko: '이 봇 소개: 영화, 사용법, 그리고 글의 출처' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,

	// Help is for the caller alone, in their own language, so it never clutters the channel.
	async execute(interaction, ctx) {
		const lang = langOf(interaction.locale);
		const t = contentText[lang];
		const { dataset } = ctx;
		const credits = dataset.sources
			.map((source) =>
				t.sourceCredit(
					lang === 'ko' ? source.title : source.titleEn,
					source.author ?? renderText[lang].unnamedAuthor,
					source.published,
				),
			)
			.join('\n');
		await interaction.reply({
			flags: MessageFlags.Ephemeral,
			embeds: [
				{
					color: EMBED_COLOR,
					title: t.aboutTitle,
					description: t.aboutIntro,
					fields: [
						{ name: t.aboutCommands, value: t.commandList },
						{
							name: t.aboutSources,
							value: [
								credits,
								t.aboutDataset(t.counts(dataset.quotes.length, dataset.questions.length, dataset.reflections.length)),
								t.aboutGeneralKnowledge,
								t.fontCredit,
							].join('\n\n'),
						},
					],
				},
				filmCardEmbed(dataset.film, [lang]),
			],
		});
	},
} satisfies Command;
