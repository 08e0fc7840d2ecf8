import {
	ButtonStyle,
	ComponentType,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIEmbed,
} from 'discord.js';
import type { Dataset, Question, Quote, Recommendation, Reflection } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { EMBED_COLOR, inLangs, label, sourceLang, sourceLine, spoiler, themeLabels, truncate } from './common.js';
import { renderText } from './messages.js';

const t = (lang: Lang) => renderText[lang];
const blockquote = (text: string) =>
	text
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
const maybeSpoiler = (hidden: boolean, text: string) => (hidden ? spoiler(text) : text);

function speakerLine(dataset: Dataset, quote: Quote, lang: Lang): string {
	if (quote.speaker.kind === 'film') return t(lang).fromTheFilm;
	const author = dataset.sources.find((source) => source.id === quote.source.review)?.author;
	return author ? `${t(lang).fromTheReview} · ${author}` : t(lang).fromTheReview;
}

/**
 * A quote as an embed. English always keeps the Korean original beside it; a film line's English says it is our
 * translation of the review's Korean, so nobody takes it for the film's own dialogue.
 */
export function quoteEmbed(dataset: Dataset, quote: Quote, langs: readonly Lang[]): APIEmbed {
	const body = (lang: Lang) => {
		if (lang === 'ko') return blockquote(maybeSpoiler(quote.spoiler, quote.text.ko));
		const english =
			blockquote(maybeSpoiler(quote.spoiler, quote.text.en)) +
			(quote.speaker.kind === 'film' ? `\n-# ${t('en').ourTranslation}` : '');
		if (langs.includes('ko')) return english;
		return `${english}\n\n**${t('en').original}**\n${blockquote(maybeSpoiler(quote.spoiler, quote.text.ko))}`;
	};
	return {
		color: EMBED_COLOR,
		author: { name: label(langs, (lang) => speakerLine(dataset, quote, lang)) },
		description: inLangs(langs, body),
		fields: [
			{ name: label(langs, (lang) => t(lang).source), value: sourceLine(dataset, quote.source, sourceLang(langs)) },
			{
				name: label(langs, (lang) => t(lang).themes),
				value: label(langs, (lang) => themeLabels(dataset, quote.themes, lang)),
			},
		],
		footer: { text: quote.id },
	};
}

/** After-watching and spoiler questions are hidden behind spoiler tags, and never name a thread. */
export function isHiddenQuestion(question: Question): boolean {
	return question.spoiler || question.phase === 'after';
}

/** A discussion question, hidden behind spoiler tags where `isHiddenQuestion`. */
export function questionEmbed(dataset: Dataset, question: Question, langs: readonly Lang[]): APIEmbed {
	const hidden = isHiddenQuestion(question);
	const origin = (lang: Lang) =>
		`${question.origin === 'verbatim' ? t(lang).askedByReview : t(lang).inspiredBy}: ${sourceLine(dataset, question.source, lang)}`;
	return {
		color: EMBED_COLOR,
		title: label(langs, (lang) => `${t(lang).questionTitle} · ${t(lang).phase[question.phase]}`),
		description:
			inLangs(langs, (lang) => `**${maybeSpoiler(hidden, question.text[lang])}**`) +
			(hidden ? `\n\n-# ${label(langs, (lang) => t(lang).spoilerWarning)}` : ''),
		footer: { text: truncate(`${origin(sourceLang(langs))} · ${question.id}`, 2048) },
	};
}

export function recommendationEmbed(dataset: Dataset, item: Recommendation, langs: readonly Lang[]): APIEmbed {
	return {
		color: EMBED_COLOR,
		title: truncate(
			label(langs, (lang) => t(lang).recommendTitle(item.title[lang])),
			256,
		),
		description: inLangs(langs, (lang) => maybeSpoiler(item.spoiler, item.text[lang])),
		footer: { text: truncate(`${sourceLine(dataset, item.source, sourceLang(langs))} · ${item.id}`, 2048) },
	};
}

export function reflectionText(item: Reflection, lang: Lang): string {
	return maybeSpoiler(item.spoiler, item.text[lang]);
}

/** A short thread name from an item's text: Discord allows 1–100 characters and no markdown. */
export function threadName(prefix: string, text: string): string {
	return truncate(`${prefix}${text.replace(/[|*_`~>#]/g, '')}`, 100);
}

export function buttonRow(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
	return { type: ComponentType.ActionRow, components: buttons };
}

type ActionStyle = ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger;

export function button(customId: string, text: string, style: ActionStyle = ButtonStyle.Secondary): APIButtonComponent {
	return { type: ComponentType.Button, custom_id: customId, label: truncate(text, 80), style };
}
