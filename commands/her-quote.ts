import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	InteractionContextType,
	MessageFlags,
	RESTJSONErrorCodes,
	DiscordAPIError,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { THEME_CHOICES } from '../src/choices.js';
import type { Command } from '../src/command.js';
import type { BotContext } from '../src/context.js';
import { encodeCustomId } from '../src/custom-id.js';
import type { Quote } from '../src/dataset/schema.js';
import { UserError } from '../src/errors.js';
import { langOf, localize, type Lang } from '../src/i18n/index.js';
import { assertBotCan, assertMemberMayOpenThread } from '../src/permissions.js';
import { label, truncate } from '../src/render/common.js';
import { canOpenThreads, startThread } from '../src/channels.js';
import { cardCache, cardMessage } from '../src/render/card.js';
import { button, buttonRow, isHiddenQuestion, questionEmbed, quoteEmbed, threadName } from '../src/render/items.js';
import { renderText } from '../src/render/messages.js';
import { expired } from '../src/router.js';
import { contentText } from '../src/i18n/content.js';

const NAME = 'her-quote';
const ALL = 'all';

const data = {
	name: NAME,
	description: 'A quote from Her, or from the reviews about it, with its source',
	description_localizations: { ko: '영화 〈그녀〉의 대사나 리뷰 속 한 구절을 출처와 함께 보여 줘요' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'theme',
			description: 'Only quotes about this theme',
			description_localizations: { ko: '이 주제의 구절만' },
			choices: THEME_CHOICES,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'id',
			description: 'A particular quote: start typing words from it',
			description_localizations: { ko: '특정 구절: 구절 속 단어를 입력해 보세요' },
			autocomplete: true,
			max_length: 100,
		},
		{
			type: ApplicationCommandOptionType.Boolean,
			name: 'card',
			description: 'Post it as a picture to share: Korean and English, with its source',
			description_localizations: { ko: '나누기 좋은 그림 카드로 올리기: 한국어와 영어, 출처와 함께' },
		},
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Another, Discuss where a thread can be opened on the message, and Card. Public, so in the server's languages. */
function quoteButtons(quote: Quote, theme: string, langs: readonly Lang[], discussable: boolean) {
	const another = button(
		encodeCustomId(NAME, 'another', theme),
		label(langs, (lang) => renderText[lang].anotherButton),
	);
	const discuss = button(
		encodeCustomId(NAME, 'discuss', quote.id),
		label(langs, (lang) => renderText[lang].discussButton),
	);
	const card = button(
		encodeCustomId(NAME, 'card', quote.id),
		label(langs, (lang) => renderText[lang].cardButton),
	);
	return buttonRow(...(discussable ? [another, discuss, card] : [another, card]));
}

/** Posts the quote as a picture, in the server's languages. */
async function postCard(
	interaction: ChatInputCommandInteraction<'cached'> | ButtonInteraction<'cached'>,
	quote: Quote,
	ctx: BotContext,
): Promise<void> {
	assertBotCan(interaction.appPermissions, ['AttachFiles'], `<#${interaction.channelId}>`);
	const langs = await ctx.settings.publicLangs(interaction.guild);
	const cards = cardCache(ctx.dataset);
	const ready = cards.peek(quote, langs);
	if (ready) {
		await interaction.reply(cardMessage(ctx.dataset, quote, langs, ready));
		return;
	}
	// A card not drawn yet is acknowledged first: Discord waits 3 seconds for the first answer.
	await interaction.deferReply();
	await interaction.editReply(cardMessage(ctx.dataset, quote, langs, await cards.get(quote, langs)));
}

/** The next quote for this channel: no repeat until every quote in the pool (per theme) was shown. */
async function nextQuote(ctx: BotContext, channelId: string, theme: string): Promise<Quote> {
	const pool = ctx.dataset.quotes.filter((quote) => theme === ALL || quote.themes.includes(theme));
	const id = await ctx.rotation.next(
		channelId,
		`quote:${theme}`,
		pool.map((quote) => quote.id),
		ctx.random,
		ctx.now(),
	);
	const quote = pool.find((candidate) => candidate.id === id);
	if (!quote) throw new UserError(localize(contentText, (m) => m.noQuotesForTheme));
	return quote;
}

function findQuote(ctx: BotContext, id: string): Quote {
	const quote = ctx.dataset.quotes.find((candidate) => candidate.id === id.trim());
	if (!quote) throw new UserError(localize(contentText, (m) => m.unknownQuote(truncate(id, 40))));
	return quote;
}

/** A question to open a thread with: one that shares a theme with the quote, never a spoiler the quote isn't. */
async function relatedQuestion(ctx: BotContext, quote: Quote, scope: string) {
	const fitting = ctx.dataset.questions.filter(
		(question) =>
			(quote.spoiler || (!question.spoiler && question.phase !== 'after')) &&
			question.themes.some((theme) => quote.themes.includes(theme)),
	);
	const pool = fitting.length > 0 ? fitting : ctx.dataset.questions.filter((question) => question.phase === 'before');
	const id = await ctx.rotation.next(
		scope,
		`discuss:${quote.id}`,
		pool.map((question) => question.id),
		ctx.random,
		ctx.now(),
	);
	return pool.find((question) => question.id === id)!;
}

/** Whether the interaction's channel is one a thread can open in (the Discuss button shows only there). */
function threadsHere(interaction: { guildId: string; channelId: string }, ctx: BotContext): boolean {
	return canOpenThreads(ctx.guilds.channel(interaction.guildId, interaction.channelId));
}

async function discuss(interaction: ButtonInteraction<'cached'>, quote: Quote, ctx: BotContext): Promise<void> {
	const channel = ctx.guilds.channel(interaction.guildId, interaction.channelId);
	if (!canOpenThreads(channel)) throw new UserError(localize(contentText, (m) => m.threadsNotHere));
	assertMemberMayOpenThread(interaction.memberPermissions, `<#${interaction.channelId}>`);
	assertBotCan(
		interaction.appPermissions,
		// The question goes into the thread as an embed, which Discord drops without Embed Links.
		['CreatePublicThreads', 'SendMessagesInThreads', 'EmbedLinks'],
		`<#${interaction.channelId}>`,
	);
	const lang = langOf(interaction.locale);
	if (interaction.message.hasThread) {
		await interaction.reply({
			content: contentText[lang].threadExists(interaction.message.id),
			flags: MessageFlags.Ephemeral,
		});
		return;
	}
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const langs = await ctx.settings.publicLangs(interaction.guild);
	const question = await relatedQuestion(ctx, quote, interaction.channelId);
	const lang0 = langs[0] ?? 'en';
	try {
		const thread = await startThread(interaction.client, channel, interaction.message, {
			// A thread name is public and can't hide a spoiler, so a spoiler question gets a neutral one.
			name: threadName('💬 ', isHiddenQuestion(question) ? contentText[lang0].spoilerThreadName : question.text[lang0]),
			autoArchiveDuration: 1440,
		});
		await thread.send({ embeds: [questionEmbed(ctx.dataset, question, langs)] });
		await interaction.editReply(contentText[lang].threadOpened(thread.id));
	} catch (error) {
		// Someone else pressed Discuss a moment earlier: the thread has the message's id.
		if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) {
			await interaction.editReply(contentText[lang].threadExists(interaction.message.id));
			return;
		}
		throw error;
	}
}

export default {
	data,
	publicPost: { command: true, buttons: ['another', 'card'] },

	async execute(interaction, ctx) {
		const id = interaction.options.getString('id');
		const theme = interaction.options.getString('theme') ?? ALL;
		const quote = id ? findQuote(ctx, id) : await nextQuote(ctx, interaction.channelId, theme);
		if (id) await ctx.rotation.markSeen(interaction.channelId, `quote:${theme}`, quote.id, ctx.now());
		if (interaction.options.getBoolean('card')) {
			await postCard(interaction, quote, ctx);
			return;
		}
		const langs = await ctx.settings.publicLangs(interaction.guild);
		await interaction.reply({
			embeds: [quoteEmbed(ctx.dataset, quote, langs)],
			components: [quoteButtons(quote, theme, langs, threadsHere(interaction, ctx))],
		});
	},

	async autocomplete(interaction, ctx) {
		const typed = interaction.options.getFocused().trim().toLowerCase();
		const lang = langOf(interaction.locale);
		const matches = ctx.dataset.quotes.filter(
			(quote) =>
				!typed ||
				quote.id.includes(typed) ||
				quote.text.ko.toLowerCase().includes(typed) ||
				quote.text.en.toLowerCase().includes(typed),
		);
		await interaction.respond(
			matches.slice(0, 25).map((quote) => ({
				// A spoiler quote is listed by a neutral name, so browsing the list doesn't give the ending away.
				name: truncate(quote.spoiler ? contentText[lang].spoilerQuote(quote.id) : quote.text[lang], 100),
				value: quote.id,
			})),
		);
	},

	async button(interaction, id, ctx) {
		const [arg] = id.args;
		if (id.action === 'another' && arg && (arg === ALL || THEME_CHOICES.some((choice) => choice.value === arg))) {
			const quote = await nextQuote(ctx, interaction.channelId, arg);
			const langs = await ctx.settings.publicLangs(interaction.guild);
			await interaction.reply({
				embeds: [quoteEmbed(ctx.dataset, quote, langs)],
				components: [quoteButtons(quote, arg, langs, threadsHere(interaction, ctx))],
			});
			return;
		}
		const quote =
			(id.action === 'discuss' || id.action === 'card') && arg
				? ctx.dataset.quotes.find((candidate) => candidate.id === arg)
				: undefined;
		if (!quote) throw expired();
		if (id.action === 'card') await postCard(interaction, quote, ctx);
		else await discuss(interaction, quote, ctx);
	},
} satisfies Command;
