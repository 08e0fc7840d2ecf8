import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GlobalFonts, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Dataset, Quote } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { sourceLang, sourceLine, spoiler, truncate } from './common.js';
import { renderText } from './messages.js';

/**
 * A quote as a picture members can share: the quote in the server's languages, who said it, the review and its
 * date, the film's title. 1200 × 675 (16:9) fits Discord's preview box on desktop (about 550 px wide, so the
 * quote text is at least 16 px there) and on a phone (the chat's width, at least 10 px).
 */
export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 675;

// The card draws only with SUIT (SIL Open Font License 1.1), shipped in the @sun-typeface/suit npm package: no
// system font is assumed and nothing is downloaded. Registered under our own family name, so a system font of
// the same name can't stand in for it.
export const CARD_FONT_FAMILY = 'HFC Card SUIT';
const FONT_FILES = { 400: 'SUIT-Regular.otf', 600: 'SUIT-SemiBold.otf', 700: 'SUIT-Bold.otf' } as const;
type Weight = keyof typeof FONT_FILES;

/** The font files the card draws with, inside the installed package. */
export function cardFontPaths(): string[] {
	const root = dirname(createRequire(import.meta.url).resolve('@sun-typeface/suit/package.json'));
	return Object.values(FONT_FILES).map((file) => join(root, 'fonts/static/otf', file));
}

let registered = false;
/** Registers the card's font files with the canvas library; once per process, at start (and on first use). */
export function registerCardFonts(): void {
	if (registered) return;
	for (const path of cardFontPaths()) {
		if (!GlobalFonts.registerFromPath(path, CARD_FONT_FAMILY)) throw new Error(`could not load the card font ${path}`);
	}
	registered = true;
}

const COLORS = {
	background: '#fbf3ea',
	accent: '#d9513f', // EMBED_COLOR: the warm red of Theodore's shirts
	primary: '#2b2220',
	secondary: '#54463f',
	meta: '#7a6a62',
};

const PAD_X = 72;
const PAD_Y = 56;
/** The quote sits right of a red rule, like the embed's blockquote. */
const RULE_WIDTH = 6;
const RULE_GAP = 26;

/** Font sizes in px: the quote shrinks from the largest to the smallest before the card grows any taller. */
export const SIZES = {
	primaryMax: 60,
	primaryMin: 36,
	secondaryRatio: 0.7,
	secondaryMin: 28,
	label: 22,
	title: 30,
	speaker: 26,
	source: 24,
	note: 22,
} as const;

type Role = 'title' | 'primary' | 'label' | 'secondary' | 'speaker' | 'source' | 'note';

/** One line of text as drawn: where, in which font, and its measured width. */
export interface CardLine {
	readonly role: Role;
	readonly text: string;
	/** a CSS font string, e.g. `600 48px "HFC Card SUIT"` */
	readonly font: string;
	readonly size: number;
	readonly x: number;
	/** where the text's top goes (drawn with `textBaseline = 'top'`), half the leading below its line box's top */
	readonly y: number;
	readonly width: number;
}

export interface CardLayout {
	readonly width: number;
	readonly height: number;
	/** everything is drawn inside this box */
	readonly box: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
	readonly primarySize: number;
	readonly lines: readonly CardLine[];
	/** the red rule beside the quote */
	readonly rule: { readonly top: number; readonly bottom: number };
}

const font = (weight: Weight, size: number) => `${weight} ${size}px "${CARD_FONT_FAMILY}"`;
const lineHeight = (lang: Lang, size: number) => Math.round(size * (lang === 'ko' ? 1.5 : 1.38));
const t = (lang: Lang) => renderText[lang];

let measurer: SKRSContext2D | undefined;
function measuring(): SKRSContext2D {
	registerCardFonts();
	measurer ??= createCanvas(1, 1).getContext('2d');
	return measurer;
}

/** SUIT has no em or en dash, so the card sets the horizontal bar (―) Korean typesetting uses in their place. */
export const cardText = (text: string): string => text.replace(/\s+/g, ' ').trim().replace(/[—–]/g, '―');

/**
 * Greedy word wrap: lines break only between words (Korean too, between 어절), so no word is ever cut. A word
 * wider than the line is broken by characters only when `breakWords` (the smallest size, a last resort).
 */
function wrap(ctx: SKRSContext2D, text: string, maxWidth: number, breakWords: boolean): string[] | undefined {
	const lines: string[] = [];
	let line = '';
	for (const word of cardText(text).split(' ')) {
		const candidate = line ? `${line} ${word}` : word;
		if (ctx.measureText(candidate).width <= maxWidth) {
			line = candidate;
			continue;
		}
		if (line) lines.push(line);
		line = word;
		if (ctx.measureText(word).width > maxWidth) {
			if (!breakWords) return undefined;
			let piece = '';
			for (const char of word) {
				if (piece && ctx.measureText(piece + char).width > maxWidth) {
					lines.push(piece);
					piece = '';
				}
				piece += char;
			}
			line = piece;
		}
	}
	if (line) lines.push(line);
	return lines;
}

interface Block {
	readonly role: 'primary' | 'label' | 'secondary';
	readonly lang: Lang;
	readonly text: string;
}

/** What the quote area holds: the first language large, the other below it, smaller. */
function quoteBlocks(quote: Quote, langs: readonly Lang[]): Block[] {
	if (!langs.includes('en')) return [{ role: 'primary', lang: 'ko', text: quote.text.ko }];
	if (langs.includes('ko'))
		return [
			{ role: 'primary', lang: 'ko', text: quote.text.ko },
			{ role: 'secondary', lang: 'en', text: quote.text.en },
		];
	// English alone always keeps the Korean original beside it.
	return [
		{ role: 'primary', lang: 'en', text: quote.text.en },
		{ role: 'label', lang: 'en', text: t('en').original },
		{ role: 'secondary', lang: 'ko', text: quote.text.ko },
	];
}

function speakerText(dataset: Dataset, quote: Quote, langs: readonly Lang[]): string {
	if (quote.speaker.kind === 'film') return langs.map((lang) => t(lang).fromTheFilm).join(' · ');
	const author = dataset.sources.find((source) => source.id === quote.source.review)?.author;
	const from = langs.map((lang) => t(lang).fromTheReview).join(' · ');
	return author ? `${from} · ${author}` : from;
}

function footerTexts(dataset: Dataset, quote: Quote, langs: readonly Lang[]) {
	return {
		speaker: speakerText(dataset, quote, langs),
		source: sourceLine(dataset, quote.source, sourceLang(langs)),
		// A film line's English is our translation of the review's Korean, not the film's own dialogue.
		note: quote.speaker.kind === 'film' && langs.includes('en') ? t('en').ourTranslation : undefined,
	};
}

const filmTitle = (langs: readonly Lang[]) => t(langs.includes('ko') ? 'ko' : 'en').filmCardTitle;

/** Lines of one role, one font and one line height, wrapped; `before` is the space above them. */
interface Run {
	readonly role: Role;
	readonly font: string;
	readonly size: number;
	readonly step: number;
	readonly before: number;
	readonly x: number;
	readonly texts: readonly string[];
}
const runHeight = (runs: readonly Run[]) =>
	runs.reduce((sum, run) => sum + run.before + run.texts.length * run.step, 0);

/**
 * Where every line of the card goes. Pure: the same quote and languages always give the same layout. The quote
 * takes the largest size (60 px down to 36 px) at which it fits between the title and the footer; only a quote
 * too long even at the smallest size makes the card taller, so nothing is ever cut off or drawn outside.
 */
export function layoutCard(dataset: Dataset, quote: Quote, langs: readonly Lang[]): CardLayout {
	const ctx = measuring();
	const left = PAD_X;
	const right = CARD_WIDTH - PAD_X;
	const quoteLeft = left + RULE_WIDTH + RULE_GAP;
	/** Wraps `text` at `x` to the right edge; only the fixed-size lines, and the quote at its smallest, break words. */
	const run = (
		role: Role,
		weight: Weight,
		size: number,
		step: number,
		text: string,
		x = left,
		before = 0,
		breakWords = true,
	) => {
		ctx.font = font(weight, size);
		const texts = wrap(ctx, text, right - x, breakWords);
		return texts && { role, font: font(weight, size), size, step, before, x, texts };
	};

	const title = [run('title', 700, SIZES.title, 40, filmTitle(langs))!];
	const texts = footerTexts(dataset, quote, langs);
	const footer = [
		run('speaker', 600, SIZES.speaker, 36, texts.speaker)!,
		run('source', 400, SIZES.source, 34, texts.source)!,
		...(texts.note ? [run('note', 400, SIZES.note, 30, texts.note)!] : []),
	];
	const gap = 36;
	const fixed = 2 * PAD_Y + runHeight(title) + runHeight(footer) + 2 * gap;

	const blocks = quoteBlocks(quote, langs);
	const fit = (primary: number, breakWords: boolean): Run[] | undefined => {
		const secondary = Math.max(SIZES.secondaryMin, Math.round(primary * SIZES.secondaryRatio));
		const runs: Run[] = [];
		for (const [index, { role, lang, text }] of blocks.entries()) {
			// Space before each language's block; a label sits right on top of the text it names.
			const before = index === 0 || blocks[index - 1]?.role === 'label' ? 0 : Math.round(primary * 0.6);
			const [weight, size, step]: [Weight, number, number] =
				role === 'label'
					? [700, SIZES.label, Math.round(SIZES.label * 1.5)]
					: role === 'primary'
						? [600, primary, lineHeight(lang, primary)]
						: [400, secondary, lineHeight(lang, secondary)];
			const laid = run(role, weight, size, step, text, quoteLeft, before, breakWords);
			if (!laid) return undefined;
			runs.push(laid);
		}
		return runs;
	};
	let quoteRuns: Run[] | undefined;
	for (let size: number = SIZES.primaryMax; size >= SIZES.primaryMin && !quoteRuns; size -= 2) {
		const attempt = fit(size, size === SIZES.primaryMin);
		if (attempt && fixed + runHeight(attempt) <= CARD_HEIGHT) quoteRuns = attempt;
	}
	quoteRuns ??= fit(SIZES.primaryMin, true)!;
	const height = Math.max(CARD_HEIGHT, fixed + runHeight(quoteRuns));

	// Each line is drawn in the middle of its line box, with half the leading above it (as CSS does).
	const lines: CardLine[] = [];
	const place = (runs: readonly Run[], top: number) => {
		let y = top;
		for (const { role, font: runFont, size, step, before, x, texts: runTexts } of runs) {
			y += before;
			ctx.font = runFont;
			for (const text of runTexts) {
				lines.push({
					role,
					text,
					font: runFont,
					size,
					x,
					y: y + Math.round((step - size) / 2),
					width: ctx.measureText(text).width,
				});
				y += step;
			}
		}
		return y;
	};
	const quoteTop = place(title, PAD_Y) + gap + Math.floor((height - fixed - runHeight(quoteRuns)) / 2);
	const quoteBottom = place(quoteRuns, quoteTop);
	place(footer, height - PAD_Y - runHeight(footer));
	return {
		width: CARD_WIDTH,
		height,
		box: { left, top: PAD_Y, right, bottom: height - PAD_Y },
		primarySize: quoteRuns[0]!.size,
		lines,
		rule: { top: quoteTop, bottom: quoteBottom },
	};
}

const COLOR_OF: Record<Role, string> = {
	title: COLORS.accent,
	primary: COLORS.primary,
	label: COLORS.accent,
	secondary: COLORS.secondary,
	speaker: COLORS.primary,
	source: COLORS.meta,
	note: COLORS.meta,
};

/** The card as PNG bytes. Pure: (dataset, quote, languages) → the same picture every time. */
export async function renderCard(dataset: Dataset, quote: Quote, langs: readonly Lang[]): Promise<Buffer> {
	const layout = layoutCard(dataset, quote, langs);
	const canvas = createCanvas(layout.width, layout.height);
	const ctx = canvas.getContext('2d');
	ctx.fillStyle = COLORS.background;
	ctx.fillRect(0, 0, layout.width, layout.height);
	ctx.fillStyle = COLORS.accent;
	ctx.fillRect(0, 0, layout.width, 10);
	ctx.fillRect(layout.box.left, layout.rule.top, RULE_WIDTH, layout.rule.bottom - layout.rule.top);
	ctx.textBaseline = 'top';
	for (const line of layout.lines) {
		ctx.font = line.font;
		ctx.fillStyle = COLOR_OF[line.role];
		ctx.fillText(line.text, line.x, line.y);
	}
	// Encoded off the main thread by the canvas library.
	return canvas.encode('png');
}

/** A spoiler card is a spoiler attachment: Discord blurs it until a member clicks. */
export function cardFileName(quote: Quote): string {
	return `${quote.spoiler ? 'SPOILER_' : ''}her-quote-${quote.id}.png`;
}

/** Alt text for screen readers: the quote and its source, in the card's languages (Discord allows 1024). */
export function cardAltText(dataset: Dataset, quote: Quote, langs: readonly Lang[]): string {
	const footer = footerTexts(dataset, quote, langs);
	const texts = quoteBlocks(quote, langs)
		.filter((block) => block.role !== 'label')
		.map((block) => `“${block.text}”`);
	return truncate(`${texts.join(' / ')} — ${footer.speaker}. ${footer.source}`, 1024);
}

/**
 * The reply that carries a card. A spoiler card's text goes beside it behind spoiler bars, so nothing of it shows
 * before a member clicks and the text is there for whoever can't see the picture.
 */
export function cardMessage(dataset: Dataset, quote: Quote, langs: readonly Lang[], png: Buffer) {
	const content = quote.spoiler
		? quoteBlocks(quote, langs)
				.filter((block) => block.role !== 'label')
				.map((block) => spoiler(truncate(block.text, 990)))
				.join('\n')
		: undefined;
	return {
		...(content ? { content } : {}),
		files: [{ attachment: png, name: cardFileName(quote), description: cardAltText(dataset, quote, langs) }],
	};
}

/**
 * Rendered cards by (quote, languages): a quote's card never changes while the bot runs, and at most every
 * quote in every language setting is held. A render under way is shared, so two presses render once.
 */
export class CardCache {
	private readonly cards = new Map<string, Promise<Buffer>>();
	private readonly done = new Map<string, Buffer>();

	public constructor(private readonly dataset: Dataset) {}

	private static key(quote: Quote, langs: readonly Lang[]): string {
		return `${quote.id}:${langs.join('+')}`;
	}

	/** The card if it is already rendered, without waiting. */
	public peek(quote: Quote, langs: readonly Lang[]): Buffer | undefined {
		return this.done.get(CardCache.key(quote, langs));
	}

	public get(quote: Quote, langs: readonly Lang[]): Promise<Buffer> {
		const key = CardCache.key(quote, langs);
		let card = this.cards.get(key);
		if (!card) {
			card = renderCard(this.dataset, quote, langs).then(
				(png) => {
					this.done.set(key, png);
					return png;
				},
				(error: unknown) => {
					this.cards.delete(key);
					throw error;
				},
			);
			this.cards.set(key, card);
		}
		return card;
	}

	/** The PNG bytes held. */
	public get bytes(): number {
		let total = 0;
		for (const png of this.done.values()) total += png.byteLength;
		return total;
	}

	public get size(): number {
		return this.done.size;
	}
}

const caches = new WeakMap<Dataset, CardCache>();
/** The one cache of a dataset's cards, for the life of that dataset. */
export function cardCache(dataset: Dataset): CardCache {
	let cache = caches.get(dataset);
	if (!cache) caches.set(dataset, (cache = new CardCache(dataset)));
	return cache;
}
