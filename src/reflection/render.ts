import type { APIEmbed, BaseMessageOptions } from 'discord.js';
import type { Dataset, Reflection } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { EMBED_COLOR, inLangs, label, sourceLine, truncate } from '../render/common.js';
import { reflectionText as promptText, threadName } from '../render/items.js';
import { reflectionText } from './messages.js';

/** A reflection prompt as an embed: the prompt in the server's language(s), the source review in the footer. */
export function reflectionEmbed(dataset: Dataset, reflection: Reflection, langs: readonly Lang[]): APIEmbed {
	const footerLang: Lang = langs.includes('en') ? 'en' : 'ko';
	return {
		color: EMBED_COLOR,
		title: label(langs, (lang) => reflectionText[lang].embedTitle),
		description: inLangs(langs, (lang) => `**${promptText(reflection, lang)}**`),
		footer: {
			text: truncate(
				`${reflectionText[footerLang].source}: ${sourceLine(dataset, reflection.source, footerLang)} · ${reflection.id}`,
				2048,
			),
		},
	};
}

/**
 * The daily post. Only the configured role may be pinged (and nothing at all without one), whatever the
 * client's defaults are.
 */
export function reflectionPost(
	dataset: Dataset,
	reflection: Reflection,
	langs: readonly Lang[],
	roleId: string | null,
): Pick<BaseMessageOptions, 'content' | 'embeds' | 'allowedMentions'> {
	return {
		...(roleId ? { content: `<@&${roleId}>` } : {}),
		embeds: [reflectionEmbed(dataset, reflection, langs)],
		allowedMentions: roleId ? { parse: [], roles: [roleId] } : { parse: [] },
	};
}

/** The thread opened under a prompt is named after it; a spoiler prompt gets a neutral name instead. */
export function reflectionThreadName(reflection: Reflection, langs: readonly Lang[], localDate: string): string {
	const lang = langs[0] ?? 'en';
	const name = reflection.spoiler ? `${reflectionText[lang].embedTitle} · ${localDate}` : reflection.text[lang];
	return threadName('💭 ', name);
}

/** Forum posts are listed by title: a short form of the prompt (60 characters at most), found again by it. */
export const FORUM_TITLE_LENGTH = 60;

export function reflectionForumTitle(reflection: Reflection, langs: readonly Lang[], localDate: string): string {
	const lang = langs[0] ?? 'en';
	const name = reflection.spoiler ? `${reflectionText[lang].embedTitle} · ${localDate}` : reflection.text[lang];
	return threadName('💭 ', truncate(name, FORUM_TITLE_LENGTH));
}
