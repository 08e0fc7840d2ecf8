/**
 * The quote card as a member sees it: every quote, in every server language, drawn inside the card with nothing
 * cut or overflowing, in Hangul that really renders, small enough for Discord, and looking as it was approved
 * (golden images). Widths and heights are measured with the canvas library itself, in the font the card uses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage, type SKRSContext2D } from '@napi-rs/canvas';
import { describe, expect, test } from 'vitest';
import { loadDataset } from '../src/dataset/load.js';
import type { Quote } from '../src/dataset/schema.js';
import type { Lang } from '../src/i18n/index.js';
import {
	CARD_FONT_FAMILY,
	CARD_HEIGHT,
	CARD_WIDTH,
	CardCache,
	SIZES,
	cardFontPaths,
	cardMessage,
	cardText,
	layoutCard,
	registerCardFonts,
	renderCard,
	type CardLayout,
} from '../src/render/card.js';
import { sourceLine } from '../src/render/common.js';
import { renderText } from '../src/render/messages.js';

const dataset = loadDataset();
registerCardFonts();

type Setting = 'ko' | 'en' | 'both';
const SETTINGS: Record<Setting, readonly Lang[]> = { ko: ['ko'], en: ['en'], both: ['ko', 'en'] };
const everyCard = dataset.quotes.flatMap((quote) =>
	(Object.entries(SETTINGS) as [Setting, readonly Lang[]][]).map(([setting, langs]) => ({ quote, setting, langs })),
);
const quote = (id: string): Quote => dataset.quotes.find((candidate) => candidate.id === id)!;

/** Discord's smallest upload limit (a server without boosts) is 10 MiB; we keep a card far below it. */
const DISCORD_UPLOAD_LIMIT = 10 * 1024 * 1024;
const CARD_BUDGET = 300 * 1024;

const measurer = createCanvas(1, 1).getContext('2d');
measurer.textBaseline = 'top';
function inkBox(line: CardLayout['lines'][number]) {
	measurer.font = line.font;
	const metrics = measurer.measureText(line.text);
	return {
		left: line.x - metrics.actualBoundingBoxLeft,
		right: line.x + metrics.actualBoundingBoxRight,
		top: line.y - metrics.actualBoundingBoxAscent,
		bottom: line.y + metrics.actualBoundingBoxDescent,
		advance: metrics.width,
	};
}

describe('every quote on a card, in every server language', () => {
	test.each(everyCard)(
		'Given $quote.id in a $setting server, then every line is drawn inside the card, whole words only, nothing left out',
		({ quote, langs }) => {
			const layout = layoutCard(dataset, quote, langs);
			expect(layout.width).toBe(CARD_WIDTH);
			expect(layout.height).toBeGreaterThanOrEqual(CARD_HEIGHT);
			// Long quotes shrink before the card grows; none of ours gets taller than 4:3.
			if (layout.height > CARD_HEIGHT) expect(layout.primarySize).toBe(SIZES.primaryMin);
			expect(layout.height).toBeLessThanOrEqual((CARD_WIDTH * 3) / 4);
			expect(layout.primarySize).toBeGreaterThanOrEqual(SIZES.primaryMin);

			let previousBottom = 0;
			for (const line of layout.lines) {
				const ink = inkBox(line);
				expect(ink.advance, line.text).toBeCloseTo(line.width, 3);
				// Ink may reach a pixel past a line's box (antialiasing, a glyph's overhang), never further.
				expect(ink.left, line.text).toBeGreaterThanOrEqual(layout.box.left - 1);
				expect(ink.right, line.text).toBeLessThanOrEqual(layout.box.right + 1);
				expect(ink.top, line.text).toBeGreaterThanOrEqual(Math.max(layout.box.top, previousBottom) - 1);
				expect(ink.bottom, line.text).toBeLessThanOrEqual(layout.box.bottom + 1);
				previousBottom = ink.bottom;
			}

			// Joined back together, the lines are the text itself: no word was cut, dropped or changed.
			const text = (role: string) =>
				layout.lines
					.filter((line) => line.role === role)
					.map((line) => line.text)
					.join(' ');
			const [first, second]: [Lang, Lang] = langs.includes('ko') ? ['ko', 'en'] : ['en', 'ko'];
			expect(text('primary')).toBe(cardText(quote.text[first]));
			if (langs.includes('en')) expect(text('secondary')).toBe(cardText(quote.text[second]));
			else expect(text('secondary')).toBe('');
			if (!langs.includes('ko')) expect(text('label')).toBe(renderText.en.original);
			expect(text('source')).toBe(cardText(sourceLine(dataset, quote.source, langs.includes('en') ? 'en' : 'ko')));
			expect(text('title')).toBe(renderText[langs.includes('ko') ? 'ko' : 'en'].filmCardTitle);
		},
	);

	test('Given every card rendered, then each is a PNG within Discord’s upload limit and our 300 KB budget, with alt text Discord accepts', async () => {
		const sizes: number[] = [];
		for (const { quote, langs } of everyCard) {
			const png = await renderCard(dataset, quote, langs);
			expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
			expect(png.byteLength, quote.id).toBeLessThanOrEqual(Math.min(CARD_BUDGET, DISCORD_UPLOAD_LIMIT));
			const file = cardMessage(dataset, quote, langs, png).files[0]!;
			expect(file.description.length).toBeGreaterThan(0);
			expect(file.description.length).toBeLessThanOrEqual(1024);
			sizes.push(png.byteLength);
		}
		expect(sizes).toHaveLength(dataset.quotes.length * 3);
	}, 120_000);
});

/** The characters a font maps to a glyph, read from its `cmap` table (formats 4 and 12). */
function fontCharacters(path: string): (codePoint: number) => boolean {
	const font = readFileSync(path);
	const tables = font.readUInt16BE(4);
	let cmap = -1;
	for (let i = 0; i < tables; i++) {
		if (font.toString('latin1', 12 + i * 16, 16 + i * 16) === 'cmap') cmap = font.readUInt32BE(20 + i * 16);
	}
	const subtables = Array.from(
		{ length: font.readUInt16BE(cmap + 2) },
		(_, i) => cmap + font.readUInt32BE(cmap + 8 + i * 8),
	);
	const format12 = subtables.find((offset) => font.readUInt16BE(offset) === 12);
	if (format12 !== undefined) {
		const groups = Array.from({ length: font.readUInt32BE(format12 + 12) }, (_, i) => {
			const at = format12 + 16 + i * 12;
			return [font.readUInt32BE(at), font.readUInt32BE(at + 4), font.readUInt32BE(at + 8)] as const;
		});
		return (code) => groups.some(([start, end, glyph]) => code >= start && code <= end && glyph + code - start > 0);
	}
	const at = subtables.find((offset) => font.readUInt16BE(offset) === 4)!;
	const segments = font.readUInt16BE(at + 6) / 2;
	const ends = at + 14;
	const starts = ends + segments * 2 + 2;
	const deltas = starts + segments * 2;
	const ranges = deltas + segments * 2;
	return (code) => {
		for (let i = 0; i < segments; i++) {
			if (code > font.readUInt16BE(ends + i * 2) || code < font.readUInt16BE(starts + i * 2)) continue;
			const delta = font.readInt16BE(deltas + i * 2);
			const range = font.readUInt16BE(ranges + i * 2);
			if (range === 0) return ((code + delta) & 0xffff) !== 0;
			const glyph = font.readUInt16BE(ranges + i * 2 + range + 2 * (code - font.readUInt16BE(starts + i * 2)));
			return glyph !== 0;
		}
		return false;
	};
}

/** The pixels of `text` drawn alone in the card's font. */
function pixels(ctx: SKRSContext2D, text: string): Uint8ClampedArray {
	ctx.fillStyle = '#fff';
	ctx.fillRect(0, 0, 240, 80);
	ctx.fillStyle = '#000';
	ctx.font = `400 48px "${CARD_FONT_FAMILY}"`;
	ctx.textBaseline = 'top';
	ctx.fillText(text, 8, 8);
	return ctx.getImageData(0, 0, 240, 80).data;
}
const differing = (a: Uint8ClampedArray, b: Uint8ClampedArray) => a.filter((value, i) => value !== b[i]).length;

describe('the card’s font', () => {
	const drawn = new Set<string>();
	for (const { quote, langs } of everyCard) {
		for (const line of layoutCard(dataset, quote, langs).lines) for (const char of line.text) drawn.add(char);
	}

	test.each(cardFontPaths().map((path) => ({ file: path.split('/').at(-1)!, path })))(
		'Given $file, then it has a glyph of its own for every character any card draws (no system font fills in)',
		({ path }) => {
			const has = fontCharacters(path);
			const lacking = [...drawn].filter((char) => char !== ' ' && !has(char.codePointAt(0)!));
			expect(lacking).toEqual([]);
			expect([...drawn].some((char) => /[가-힣]/.test(char))).toBe(true);
		},
	);

	test('Given Hangul from the quotes drawn in the card’s font, then each syllable is a glyph, not the missing-glyph box', () => {
		const ctx = createCanvas(240, 80).getContext('2d');
		// U+E000 is a private-use code point no font here maps: what a missing Korean glyph would look like.
		const box = pixels(ctx, '\uE000');
		const syllables = [...drawn].filter((char) => /[가-힣]/.test(char));
		expect(syllables.length).toBeGreaterThan(100);
		for (const syllable of syllables) expect(differing(pixels(ctx, syllable), box), syllable).toBeGreaterThan(200);
		// Different syllables look different, and a Korean word is narrower than as many boxes.
		expect(differing(pixels(ctx, '그'), pixels(ctx, '녀'))).toBeGreaterThan(200);
		ctx.font = `400 48px "${CARD_FONT_FAMILY}"`;
		expect(ctx.measureText('그녀').width).toBeLessThan(ctx.measureText('\uE000\uE000').width);
	});
});

/**
 * Golden images, approved by eye and committed under tests/golden/. Skia's antialiasing can differ a little
 * between machines and builds, so a pixel counts as different only if a channel is off by more than 40 of 255,
 * and at most 0.1% of pixels may differ. `UPDATE_GOLDEN=1` rewrites them.
 */
const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const CHANNEL_TOLERANCE = 40;
const PIXEL_TOLERANCE = 0.001;
const GOLDEN = [
	{ file: 'card-ko-short.png', id: 'quote-love-wears-you-out', setting: 'ko' as Setting },
	{ file: 'card-en-longest.png', id: 'quote-oscars', setting: 'en' as Setting },
];

async function rgba(png: Buffer) {
	const image = await loadImage(png);
	const ctx = createCanvas(image.width, image.height).getContext('2d');
	ctx.drawImage(image, 0, 0);
	return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

/** The share of pixels that differ beyond the channel tolerance (1 when the sizes differ). */
async function pixelDifference(a: Buffer, b: Buffer): Promise<number> {
	const [x, y] = await Promise.all([rgba(a), rgba(b)]);
	if (x.width !== y.width || x.height !== y.height) return 1;
	let different = 0;
	for (let i = 0; i < x.data.length; i += 4) {
		for (let c = 0; c < 4; c++) {
			if (Math.abs(x.data[i + c]! - y.data[i + c]!) > CHANNEL_TOLERANCE) {
				different++;
				break;
			}
		}
	}
	return different / (x.width * x.height);
}

describe('the card as approved', () => {
	test.each(GOLDEN)(
		'Given $id in a $setting server, then the card matches tests/golden/$file within the tolerance',
		async ({ file, id, setting }) => {
			const png = await renderCard(dataset, quote(id), SETTINGS[setting]);
			const path = join(GOLDEN_DIR, file);
			if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, png);
			expect(await pixelDifference(png, readFileSync(path))).toBeLessThanOrEqual(PIXEL_TOLERANCE);
		},
	);

	test('Given a card that differs by one word, then the comparison notices: the tolerance is not lax', async () => {
		const golden = readFileSync(join(GOLDEN_DIR, GOLDEN[0]!.file));
		const original = quote(GOLDEN[0]!.id);
		const changed = { ...original, text: { ...original.text, ko: original.text.ko.replace('상처를', '흔적을') } };
		expect(await pixelDifference(await renderCard(dataset, changed, ['ko']), golden)).toBeGreaterThan(PIXEL_TOLERANCE);
	});

	test('Given the same quote and languages twice, then the bytes are the same: rendering is pure', async () => {
		const spoiler = dataset.quotes.find((candidate) => candidate.spoiler)!;
		const [a, b] = await Promise.all([
			renderCard(dataset, spoiler, ['ko', 'en']),
			renderCard(dataset, spoiler, ['ko', 'en']),
		]);
		expect(a.equals(b)).toBe(true);
	});
});

describe('the message that carries a card', () => {
	test.each(Object.entries(SETTINGS))(
		'Given a spoiler quote in a %s server, then the file is a spoiler attachment and its text sits beside it behind spoiler bars',
		(_, langs) => {
			const spoiler = dataset.quotes.find((candidate) => candidate.spoiler)!;
			const message = cardMessage(dataset, spoiler, langs, Buffer.from('png'));
			expect(message.files[0]!.name).toBe(`SPOILER_her-quote-${spoiler.id}.png`);
			const shown: Lang[] = langs.includes('en') ? ['ko', 'en'] : ['ko'];
			const lines = message.content!.split('\n');
			expect(lines).toHaveLength(shown.length);
			for (const line of lines) expect(line).toMatch(/^\|\|[^|]+\|\|$/);
			for (const lang of shown) expect(message.content).toContain(`||${spoiler.text[lang]}||`);
		},
	);

	test.each(Object.entries(SETTINGS))(
		'Given a quote in a %s server, then the alt text has the quote and its source, and no spoiler name for a plain quote',
		(_, langs) => {
			const plain = quote('quote-love-wears-you-out');
			const message = cardMessage(dataset, plain, langs, Buffer.from('png'));
			expect(message.files[0]!.name).toBe('her-quote-quote-love-wears-you-out.png');
			expect(message).not.toHaveProperty('content');
			const alt = message.files[0]!.description;
			expect(alt).toContain(plain.text.ko);
			if (langs.includes('en')) expect(alt).toContain(plain.text.en);
			else expect(alt).not.toContain(plain.text.en);
			expect(alt).toContain(sourceLine(dataset, plain.source, langs.includes('en') ? 'en' : 'ko'));
		},
	);
});

describe('the card cache', () => {
	test('Given a card asked for twice at once, then it is rendered once and held by (quote, languages)', async () => {
		const cache = new CardCache(dataset);
		const item = quote('quote-love-wears-you-out');
		expect(cache.peek(item, ['ko'])).toBeUndefined();
		const [a, b] = await Promise.all([cache.get(item, ['ko']), cache.get(item, ['ko'])]);
		expect(a).toBe(b);
		expect(cache.peek(item, ['ko'])).toBe(a);
		expect(cache.peek(item, ['en'])).toBeUndefined();
		expect(cache.size).toBe(1);
		expect(cache.bytes).toBe(a.byteLength);
	});
});
