import type { APIEmbed } from 'discord.js';
import type { Film } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { EMBED_COLOR, label } from './common.js';
import { renderText } from './messages.js';

/**
 * The film card: director, cast, runtime, awards, the year it is set in, the Korean re-release, and a footer naming
 * the facts that come from general film knowledge rather than the reviews.
 */
export function filmCardEmbed(film: Film, langs: readonly Lang[]): APIEmbed {
	const t = (lang: Lang) => renderText[lang];
	// Names read "호아킨 피닉스 · Joaquin Phoenix" in a bilingual server, so nobody meets a name they can't read.
	const cast = film.cast
		.map(
			(member) =>
				`${label(langs, member.actor)} — ${label(langs, member.role)}` +
				(member.voice ? ` (${label(langs, (lang) => t(lang).voice)})` : ''),
		)
		.join('\n');
	const awards = film.awards
		.map((award) =>
			langs
				.map(
					(lang) =>
						`**${award.ceremony[lang]}**\n${t(lang).won}: ${award.won.map((w) => w[lang]).join(', ')}\n` +
						`${t(lang).nominated}: ${award.nominated.map((n) => n[lang]).join(', ')}`,
				)
				.join('\n'),
		)
		.join('\n');
	return {
		color: EMBED_COLOR,
		title: label(langs, (lang) => t(lang).filmCardTitle),
		description: langs
			.map(
				(lang) =>
					`${film.genre[lang]} · ${t(lang).writtenAndDirected} ${film.writerDirector[lang]} · ` +
					`${t(lang).minutes(film.runtimeMinutes)} · ${t(lang).setIn(film.storySetIn)}`,
			)
			.join('\n'),
		fields: [
			{ name: label(langs, (lang) => t(lang).cast), value: cast, inline: false },
			{ name: label(langs, (lang) => t(lang).awards), value: awards, inline: false },
			...film.koreanRereleases.slice(-1).map((release) => ({
				name: label(langs, (lang) => t(lang).rerelease),
				value: langs.map((lang) => `${release.date} · ${release.venue} — ${release.note[lang]}`).join('\n'),
				inline: false,
			})),
		],
		footer: {
			text: langs
				.map((lang) => t(lang).generalKnowledge(film.generalKnowledge.map((fact) => fact[lang]).join(', ')))
				.join('\n'),
		},
	};
}
