import { describe, expect, test } from 'vitest';
import { loadDataset } from '../src/dataset/load.js';
import type { Lang } from '../src/i18n/index.js';
import { filmCardEmbed } from '../src/render/film.js';
import { questionEmbed, quoteEmbed, recommendationEmbed, threadName } from '../src/render/items.js';
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

	test('recommendations with the film card', () => {
		for (const item of dataset.recommendations) {
			expect(checkMessage({ embeds: [recommendationEmbed(dataset, item, langs), film] }), item.id).toEqual([]);
		}
	});
});
