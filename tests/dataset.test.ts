import { describe, expect, test } from 'vitest';
import { correctedExcerpt, loadDataset, normalizeWhitespace } from '../src/dataset/load.js';
import { MAX_ITEMS_PER_PASSAGE, passageUse } from '../src/dataset/passages.js';
import { AUDIENCES, ID_PATTERN, MAX_REFLECTION, MAX_TITLE, PHASES } from '../src/dataset/schema.js';
import { WRAP_UP_AFTER_LAST_BEAT_MS, MINUTE_MS } from '../src/watchparty/timeline.js';

const data = loadDataset();
const items = [
	...data.quotes.map((item) => ({ kind: 'quote', item })),
	...data.questions.map((item) => ({ kind: 'question', item })),
	...data.recommendations.map((item) => ({ kind: 'recommendation', item })),
	...data.reflections.map((item) => ({ kind: 'reflection', item })),
];

describe('Given the dataset in data/', () => {
	test('Then it loads through the schema and the cross-checks', () => {
		expect(data.sources.map((s) => s.id)).toEqual(['soullatte-2025-04-10', 'loneliness-digital-age-2025']);
		expect(data.film.runtimeMinutes).toBe(126);
		expect(data.watchParty.runtimeMinutes).toBe(126);
	});

	test('Then it has enough of every kind (no repeated daily prompt for over a month)', () => {
		expect(data.quotes.length).toBeGreaterThanOrEqual(30);
		expect(data.questions.length).toBeGreaterThanOrEqual(30);
		expect(data.recommendations.length).toBeGreaterThanOrEqual(8);
		expect(data.reflections.length).toBeGreaterThanOrEqual(35);
		expect(data.watchParty.beats.length).toBeGreaterThanOrEqual(6);
		expect(data.watchParty.beats.length).toBeLessThanOrEqual(12);
	});

	test('Then every id is kebab-case and unique across all kinds', () => {
		const ids = [
			...items.map(({ item }) => item.id),
			...data.themes.map((t) => t.id),
			...data.watchParty.beats.map((b) => b.id),
			...data.sources.map((s) => s.id),
		];
		for (const id of ids) expect(id).toMatch(ID_PATTERN);
		expect(new Set(ids).size).toBe(ids.length);
	});

	test.each(items.map(({ kind, item }) => [kind, item.id, item] as const))(
		'Then %s %s quotes a passage found in its review',
		(_kind, _id, item) => {
			const review = data.sources.find((s) => s.id === item.source.review);
			expect(review, `unknown review ${item.source.review}`).toBeDefined();
			expect(normalizeWhitespace(review!.text)).toContain(normalizeWhitespace(item.source.excerpt));
		},
	);

	test('Then a quote is its excerpt but for its recorded corrections, and only the one film line is the film’s', () => {
		for (const quote of data.quotes) {
			expect(normalizeWhitespace(quote.text.ko), quote.id).toBe(
				correctedExcerpt(quote.source.excerpt, quote.corrections),
			);
		}
		// Neither review says who speaks the line, so no character is named.
		const film = data.quotes.filter((q) => q.speaker.kind === 'film');
		expect(film.map((q) => [q.text.ko, q.speaker])).toEqual([
			['우리가 함께했던 그 순간들, 그건 모두 진짜였어요.', { kind: 'film' }],
		]);
	});

	test("Then the reviewers' typos are fixed on screen and kept in the excerpt", () => {
		const shown = data.quotes.map((q) => q.text.ko).join('\n');
		for (const typo of ['배우는이', '올바를', '불안전한', '이영화']) {
			expect(shown).not.toContain(typo);
			expect(
				data.quotes.some((q) => q.source.excerpt.includes(typo)),
				typo,
			).toBe(true);
		}
	});

	test(`Then no sentence of a review grounds more than ${MAX_ITEMS_PER_PASSAGE} items`, () => {
		const overused = passageUse(
			data.sources,
			items.map(({ item }) => item),
		).filter((use) => use.items.length > MAX_ITEMS_PER_PASSAGE);
		expect(overused).toEqual([]);
	});

	test('Then what we write calls the film 〈그녀〉 and addresses nobody as 당신 (the reviews’ words in quotation marks aside)', () => {
		const ours = [
			...items.filter(({ kind, item }) => kind !== 'quote' && !('origin' in item && item.origin === 'verbatim')),
		].map(({ item }) => [item.id, item.text.ko] as const);
		const written = [
			...ours,
			...data.recommendations.map((r) => [r.id, r.title.ko] as const),
			...data.watchParty.beats.flatMap((b) => [[b.id, b.title.ko] as const, [b.id, b.cue.ko] as const]),
			...data.themes.map((t) => [t.id, t.description.ko] as const),
		];
		const outsideQuotes = (text: string) => text.replace(/“[^”]*”|‘[^’]*’|"[^"]*"/g, '');
		for (const [id, text] of written) {
			const own = outsideQuotes(text);
			expect(own, id).not.toContain('당신');
			expect(own, id).not.toMatch(/HER|영화 허/);
		}
		expect(ours.filter(([, text]) => text.includes('〈그녀〉')).length).toBeGreaterThan(5);
	});

	test("Then the reviews' own questions are there, verbatim", () => {
		const verbatim = data.questions.filter((q) => q.origin === 'verbatim').map((q) => q.text.ko);
		expect(verbatim).toEqual(
			expect.arrayContaining([
				'사랑은 꼭 현실에 존재하는 인간만과 이루어져야 하는가?',
				'사랑이란 반드시 결실을 맺어야 의미가 있는가?',
				'감정이 육체를 통해서만 진짜일 수 있는가?',
			]),
		);
	});

	test('Then every theme, source and question reference resolves', () => {
		const themeIds = new Set(data.themes.map((t) => t.id));
		for (const { item } of items) for (const theme of item.themes) expect(themeIds).toContain(theme);
		const questionIds = new Set(data.questions.map((q) => q.id));
		const { intro, wrapUp, beats } = data.watchParty;
		for (const id of [...intro, ...wrapUp, ...beats.flatMap((b) => b.questions)]) expect(questionIds).toContain(id);
		for (const fact of data.film.sourcedFacts) expect(data.sources.map((s) => s.id)).toContain(fact.review);
	});

	test('Then every text is non-empty and short enough for Discord', () => {
		for (const { kind, item } of items) {
			for (const text of [item.text.ko, item.text.en]) {
				expect(text.trim().length).toBeGreaterThan(0);
				expect(text.length).toBeLessThan(kind === 'reflection' ? MAX_REFLECTION : 1000);
			}
		}
		const titles = [...data.recommendations.map((r) => r.title), ...data.watchParty.beats.map((b) => b.title)];
		for (const title of titles) {
			expect(title.ko.length).toBeLessThanOrEqual(MAX_TITLE);
			expect(title.en.length).toBeLessThanOrEqual(MAX_TITLE);
		}
	});

	test('Then every phase and audience is covered, so no command choice comes back empty', () => {
		for (const phase of PHASES) expect(data.questions.some((q) => q.phase === phase)).toBe(true);
		for (const audience of AUDIENCES) expect(data.recommendations.some((r) => r.audience === audience)).toBe(true);
		for (const theme of data.themes) expect(items.some(({ item }) => item.themes.includes(theme.id))).toBe(true);
	});

	test('Then anything that gives away the second half is flagged as a spoiler', () => {
		// The rooftop, Samantha leaving, her other OSes, the goodbye: words that only appear when those come up.
		const tells = ['옥상', '떠난', '떠나기로', '다른 운영체제', '이별로 끝나', '작별', '다차원적'];
		for (const { item } of items) {
			if (tells.some((w) => item.text.ko.includes(w))) expect(item.spoiler, item.id).toBe(true);
		}
		for (const beat of data.watchParty.beats) {
			const questions = beat.questions.map((id) => data.questions.find((q) => q.id === id)!);
			if (questions.some((q) => q.spoiler)) expect(beat.spoiler, beat.id).toBe(true);
		}
		// Recommendations and daily reflections are read by people who have not seen the film.
		expect(data.recommendations.filter((r) => r.spoiler)).toEqual([]);
		expect(data.reflections.filter((r) => r.spoiler)).toEqual([]);
	});

	test('Then the watch party runs in story order within the runtime, intro before and wrap-up after', () => {
		const { beats, intro, wrapUp, runtimeMinutes } = data.watchParty;
		const minutes = beats.map((b) => b.minute);
		expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
		// The wrap-up, a few minutes after the last beat, still comes before the film's runtime is over.
		expect(Math.max(...minutes) * MINUTE_MS + WRAP_UP_AFTER_LAST_BEAT_MS).toBeLessThanOrEqual(
			runtimeMinutes * MINUTE_MS,
		);
		const phaseOf = (id: string) => data.questions.find((q) => q.id === id)?.phase;
		expect(intro.map(phaseOf).every((p) => p === 'before')).toBe(true);
		expect(wrapUp.map(phaseOf).every((p) => p === 'after')).toBe(true);
		expect(
			beats
				.flatMap((b) => b.questions)
				.map(phaseOf)
				.every((p) => p === 'during'),
		).toBe(true);
	});

	test('Then the film facts match the sources', () => {
		const { film } = data;
		expect(film.title).toEqual({ ko: '그녀', en: 'Her' });
		expect(film.year).toBe(2013);
		expect(film.storySetIn).toBe(2025);
		expect(film.writerDirector.en).toBe('Spike Jonze');
		const oscars = film.awards.find((a) => a.ceremony.en === '86th Academy Awards')!;
		expect(oscars.won.map((w) => w.en)).toEqual(['Best Original Screenplay']);
		expect(oscars.nominated.map((n) => n.en)).toEqual([
			'Best Picture',
			'Best Original Score',
			'Best Original Song',
			'Best Production Design',
		]);
		expect(film.koreanRereleases).toContainEqual(
			expect.objectContaining({ ordinal: 3, date: '2025-05', venue: 'CGV' }),
		);
	});
});
