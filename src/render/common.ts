import type { Bilingual, Dataset, SourceRef } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { renderText } from './messages.js';

/** The film's colour on every embed: the warm red of Theodore's shirts. */
export const EMBED_COLOR = 0xd9513f;

export const spoiler = (text: string): string => `||${text}||`;

/** The text in each language asked for, Korean first, separated by a blank line. */
export function inLangs(langs: readonly Lang[], text: (lang: Lang) => string): string {
	return langs.map(text).join('\n\n');
}

/** "Korean · English" when both are shown, else the one language. */
export function label(langs: readonly Lang[], text: Bilingual | ((lang: Lang) => string)): string {
	return langs.map((lang) => (typeof text === 'function' ? text(lang) : text[lang])).join(' · ');
}

/** Names the review an item comes from: title, author and date. */
export function sourceLine(dataset: Dataset, source: SourceRef, lang: Lang): string {
	const review = dataset.sources.find((entry) => entry.id === source.review);
	if (!review) return source.review;
	const title = lang === 'ko' ? review.title : `${review.titleEn} (${review.title})`;
	return `${title} — ${review.author ?? renderText[lang].unnamedAuthor}, ${review.published}`;
}

/** The source line is given in English (with the Korean title) whenever English is shown. */
export const sourceLang = (langs: readonly Lang[]): Lang => (langs.includes('en') ? 'en' : 'ko');

export function themeLabels(dataset: Dataset, themes: readonly string[], lang: Lang): string {
	return themes.map((id) => dataset.themes.find((theme) => theme.id === id)?.label[lang] ?? id).join(', ');
}

/** Cuts text to `max` characters on a word boundary where possible, with an ellipsis. */
export function truncate(text: string, max: number): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	if (flat.length <= max) return flat;
	const cut = flat.slice(0, max - 1);
	const space = cut.lastIndexOf(' ');
	return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
