import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	InteractionContextType,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { AUDIENCE_CHOICES } from '../src/choices.js';
import type { Command } from '../src/command.js';
import { filmCardEmbed } from '../src/render/film.js';
import { recommendationEmbed } from '../src/render/items.js';

const data = {
	name: 'her-recommend',
	description: 'Why to watch Her, for a particular kind of viewer, with the film card',
	description_localizations: { ko: '이런 분께 〈그녀〉를 권하는 이유와 영화 정보' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'for',
			description: 'Who the recommendation is for',
			description_localizations: { ko: '누구에게 권할까요' },
			choices: AUDIENCE_CHOICES,
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	publicPost: { command: true },

	async execute(interaction, ctx) {
		const audience = interaction.options.getString('for');
		const exact = ctx.dataset.recommendations.filter((item) => item.audience === audience);
		// Without a choice (or a choice with no blurb of its own), any recommendation will do.
		const pool = exact.length > 0 ? exact : ctx.dataset.recommendations;
		const id = await ctx.rotation.next(
			interaction.channelId,
			`recommend:${audience ?? 'all'}`,
			pool.map((item) => item.id),
			ctx.random,
			ctx.now(),
		);
		const item = pool.find((candidate) => candidate.id === id) ?? pool[0]!;
		const langs = await ctx.settings.publicLangs(interaction.guild);
		await interaction.reply({
			embeds: [recommendationEmbed(ctx.dataset, item, langs), filmCardEmbed(ctx.dataset.film, langs)],
		});
	},
} satisfies Command;
