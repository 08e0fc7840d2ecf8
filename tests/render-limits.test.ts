import { describe, expect, test } from 'vitest';
import { loadDataset } from '../src/dataset/load.js';
import type { Lang } from '../src/i18n/index.js';
import { filmCardEmbed } from '../src/render/film.js';
import { questionEmbed, quoteEmbed, recommendationEmbed, threadName } from '../src/render/items.js';
import { renderText } from '../src/render/messages.js';
import { beatPayload } from '../src/watchparty/render.js';
import { checkMessage, checkThreadName } from './fake-discord/limits.js';

const dataset = loadDataset();
const LANGUAGES: [string, readonly Lang[]][] = [
	['ko', ['ko']],
	['en', ['en']],
	['both', ['ko', 'en']],
];

describe.each(LANGUAGES)('Every item rendered for a %s server fits Discord', (_, langs) => {
	const film = filmCardEmbed(dataset.film, langs);

	test('quotes', () => {
		for (const quote of dataset.quotes) {
			expect(checkMessage({ embeds: [quoteEmbed(dataset, quote, langs)] }), quote.id).toEqual([]);
		}
	});

	test('questions, and threads named after them', () => {
		for (const question of dataset.questions) {
			expect(checkMessage({ embeds: [questionEmbed(dataset, question, langs)] }), question.id).toEqual([]);
			expect(checkThreadName(threadName('💬 ', question.text[langs[0]!])), question.id).toEqual([]);
		}
	});

	test('watch-party beats, each with its cue for the host, hidden like its title', () => {
		for (const beat of dataset.watchParty.beats) {
			const payload = beatPayload(dataset, beat, true, langs);
			expect(checkMessage(payload), beat.id).toEqual([]);
			for (const lang of langs) expect(payload.embeds[0]!.description, beat.id).toContain(`||${beat.cue[lang]}||`);
		}
	});

	test('recommendations with the film card', () => {
		for (const item of dataset.recommendations) {
			expect(checkMessage({ embeds: [recommendationEmbed(dataset, item, langs), film] }), item.id).toEqual([]);
		}
	});
});

describe('Given what the reviews do not say', () => {
	test('Then the film card names its general film knowledge, in each language shown', () => {
		const footer = filmCardEmbed(dataset.film, ['ko', 'en']).footer!.text;
		for (const fact of dataset.film.generalKnowledge) {
			expect(footer).toContain(fact.ko);
			expect(footer).toContain(fact.en);
		}
		expect(filmCardEmbed(dataset.film, ['ko']).footer!.text).not.toMatch(/general film knowledge/);
	});

	test('Then the film line says a review quotes it, and its English says it is our translation', () => {
		const line = dataset.quotes.find((quote) => quote.speaker.kind === 'film')!;
		const english = quoteEmbed(dataset, line, ['en']);
		expect(english.author!.name).toBe(renderText.en.fromTheFilm);
		expect(english.description).toContain(renderText.en.ourTranslation);
		expect(quoteEmbed(dataset, line, ['ko']).author!.name).toBe(renderText.ko.fromTheFilm);
		const byReviewer = dataset.quotes.find((quote) => quote.speaker.kind === 'reviewer')!;
		expect(quoteEmbed(dataset, byReviewer, ['en']).description).not.toContain(renderText.en.ourTranslation);
	});
});
