/**
 * The quote card's figures for `npm run bench`: a card drawn from scratch (a cache miss: layout, drawing and PNG
 * encoding) and one answered from the cache (what a repeat press costs), and what the cache holds once every quote
 * has a card in every server language. In this process: the card touches no Discord.
 */
import { loadDataset } from '../src/dataset/load.js';
import type { Lang } from '../src/i18n/index.js';
import { CardCache, cardMessage, registerCardFonts, renderCard } from '../src/render/card.js';
import { MB, percentile, round } from './lib.js';

const SETTINGS: readonly (readonly Lang[])[] = [['ko'], ['en'], ['ko', 'en']];
const WARM_ROUNDS = 20;

export interface CardFigures {
	cards: number;
	coldMedianMs: number;
	coldP99Ms: number;
	/** of a cold render, the part that holds the event loop (layout and drawing; PNG encoding runs off it) */
	coldMainThreadMedianMs: number;
	warmMedianMs: number;
	warmP99Ms: number;
	cacheMB: number;
	largestCardKB: number;
}

export async function cardFigures(): Promise<CardFigures> {
	const dataset = loadDataset();
	registerCardFonts();
	const pairs = dataset.quotes.flatMap((quote) => SETTINGS.map((langs) => ({ quote, langs })));
	// Warm the JIT and the font caches on a few cards first, as a running bot would be.
	for (const { quote, langs } of pairs.slice(0, 10)) await renderCard(dataset, quote, langs);

	const cache = new CardCache(dataset);
	const cold: number[] = [];
	const mainThread: number[] = [];
	for (const { quote, langs } of pairs) {
		const started = performance.now();
		const card = cache.get(quote, langs);
		mainThread.push(performance.now() - started);
		await card;
		cold.push(performance.now() - started);
	}
	const warm: number[] = [];
	for (let round = 0; round < WARM_ROUNDS; round++) {
		for (const { quote, langs } of pairs) {
			const started = performance.now();
			cardMessage(dataset, quote, langs, cache.peek(quote, langs)!);
			warm.push(performance.now() - started);
		}
	}
	let largest = 0;
	for (const { quote, langs } of pairs) largest = Math.max(largest, cache.peek(quote, langs)!.byteLength);
	return {
		cards: cache.size,
		coldMedianMs: round(percentile(cold, 50)),
		coldP99Ms: round(percentile(cold, 99)),
		coldMainThreadMedianMs: round(percentile(mainThread, 50)),
		warmMedianMs: round(percentile(warm, 50), 4),
		warmP99Ms: round(percentile(warm, 99), 4),
		cacheMB: round(cache.bytes / MB, 1),
		largestCardKB: Math.round(largest / 1024),
	};
}
