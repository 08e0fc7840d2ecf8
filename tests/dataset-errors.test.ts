import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { DatasetError, loadDataset, readRawDataset, validateDataset } from '../src/dataset/load.js';
import type { RawDataset } from '../src/dataset/load.js';

const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
const pristine = readRawDataset(DATA_DIR);
// A deep copy each time, so one case's breakage never leaks into another.
const fresh = (): any => structuredClone(pristine);

function problemsOf(raw: RawDataset): string {
	try {
		validateDataset(raw);
	} catch (error) {
		expect(error).toBeInstanceOf(DatasetError);
		return (error as DatasetError).message;
	}
	throw new Error('expected the dataset to be rejected');
}

describe('Given a broken dataset', () => {
	test('When an id is repeated, Then the message names the file, the id and the problem', () => {
		const raw = fresh();
		raw.quotes.push({ ...raw.quotes[0] });
		expect(problemsOf(raw)).toContain(`- data/quotes.json › ${raw.quotes[0].id}: duplicate id`);
	});

	test('When an id is used by two kinds, Then it is rejected', () => {
		const raw = fresh();
		raw.reflections[0].id = raw.questions[0].id;
		expect(problemsOf(raw)).toContain(
			`data/reflections.json › ${raw.questions[0].id}: id is already used in data/questions.json`,
		);
	});

	test('When an excerpt is not in its review, Then the message says so for that item', () => {
		const raw = fresh();
		raw.questions[3].source.excerpt = '이 문장은 리뷰에 없습니다.';
		expect(problemsOf(raw)).toContain(
			`data/questions.json › ${raw.questions[3].id}: source.excerpt is not found in review "${raw.questions[3].source.review}"`,
		);
	});

	test('When an excerpt spans a line break of the review, Then it still matches with whitespace collapsed', () => {
		const raw = fresh();
		// The one reflection already drawn from that sentence, so the passage is not used a third time.
		raw.reflections.find((r: { id: string }) => r.id === 'reflect-shared-memory').source = {
			review: 'loneliness-digital-age-2025',
			excerpt: '사만다는 몸은 없지만   감정을 나누고,',
		};
		expect(() => validateDataset(raw)).not.toThrow();
	});

	test("When a quote's Korean text is not its excerpt, Then it is rejected", () => {
		const raw = fresh();
		raw.quotes[1].text.ko += ' 덧붙인 말';
		expect(problemsOf(raw)).toContain(`data/quotes.json › ${raw.quotes[1].id}: text.ko must be the excerpt as written`);
	});

	test("When a quote's Korean text fixes a typo without recording it, Then it is rejected; recorded, it passes", () => {
		const raw = fresh();
		const quote = raw.quotes.find((q: { id: string }) => q.id === 'quote-stepping-back');
		delete quote.corrections;
		expect(problemsOf(raw)).toContain(`data/quotes.json › quote-stepping-back: text.ko must be the excerpt as written`);
		quote.corrections = [{ from: '불안전한', to: '불안정한' }];
		expect(() => validateDataset(raw)).not.toThrow();
	});

	test('When a correction rewrites words or is not in the excerpt, Then it is rejected', () => {
		const raw = fresh();
		const quote = raw.quotes.find((q: { id: string }) => q.id === 'quote-stepping-back');
		quote.corrections = [
			{ from: '불안전한', to: '불완전하고 외로운' },
			{ from: '없는 말', to: '없는 말이' },
		];
		quote.text.ko = quote.source.excerpt.replace('불안전한', '불완전하고 외로운');
		const message = problemsOf(raw);
		expect(message).toContain('quote-stepping-back: corrections: "불안전한" → "불완전하고 외로운" rewrites more than');
		expect(message).toContain('quote-stepping-back: corrections: "없는 말" is not in the excerpt');
	});

	test('When a third item draws on a sentence two items already use, Then it is rejected, naming all three', () => {
		const raw = fresh();
		const reflection = raw.reflections.find((r: { id: string }) => r.id === 'reflect-a-character-like-you');
		reflection.source.excerpt = '사람은 혼자일 수 있지만, 완전히 혼자서는 살아갈 수 없다.';
		expect(problemsOf(raw)).toContain(
			'the passage "사람은 혼자일 수 있지만, 완전히 혼자서는 살아갈 수 없다.…" is used by 3 items (quote-not-completely-alone, reflect-a-character-like-you, reflect-what-anchors-you); at most 2',
		);
	});

	test('When a verbatim question is not in its excerpt, Then it is rejected', () => {
		const raw = fresh();
		const q = raw.questions.find((x: { origin: string }) => x.origin === 'verbatim');
		q.text.ko = '사랑은 언제 끝나는가?';
		expect(problemsOf(raw)).toContain(`data/questions.json › ${q.id}: a verbatim question must appear in its excerpt`);
	});

	test('When references do not resolve, Then each one is named', () => {
		const raw = fresh();
		raw.recommendations[0].themes = ['romance'];
		raw.reflections[2].source.review = 'some-other-blog';
		raw.watchParty.beats[1].questions = ['q-does-not-exist'];
		const message = problemsOf(raw);
		expect(message).toContain(
			`data/recommendations.json › ${raw.recommendations[0].id}: theme "romance" is not in data/themes.json`,
		);
		expect(message).toContain(
			`data/reflections.json › ${raw.reflections[2].id}: source.review "some-other-blog" is not in`,
		);
		expect(message).toContain(
			`data/watch-party.json › ${raw.watchParty.beats[1].id}: questions: question "q-does-not-exist" is not in data/questions.json`,
		);
		expect(message).toMatch(/^The dataset is invalid \(3 problems\):/);
	});

	test('When an item breaks the schema, Then the field path is named, not a stack trace', () => {
		const raw = fresh();
		raw.questions[0].phase = 'midway';
		raw.quotes[2].text.en = '';
		raw.reflections[4].id = 'Not Kebab';
		delete raw.recommendations[1].audience;
		const message = problemsOf(raw);
		expect(message).toContain(`data/questions.json › ${raw.questions[0].id}: phase:`);
		expect(message).toContain(`data/quotes.json › ${raw.quotes[2].id}: text.en: must not be empty`);
		expect(message).toContain('data/reflections.json › Not Kebab: id: must be kebab-case');
		expect(message).toContain(`data/recommendations.json › ${raw.recommendations[1].id}: audience:`);
		expect(message).not.toMatch(/\n\s+at /);
	});

	test('When a reflection is too long for a daily post, Then it is rejected', () => {
		const raw = fresh();
		raw.reflections[0].text.en = 'x'.repeat(301);
		expect(problemsOf(raw)).toContain(`${raw.reflections[0].id}: text.en: must be at most 300 characters`);
	});

	test('When a watch-party beat hides a spoiler or runs out of order, Then it is rejected', () => {
		const raw = fresh();
		const beats = raw.watchParty.beats;
		beats.at(-1).spoiler = false;
		beats[2].minute = 1;
		const message = problemsOf(raw);
		expect(message).toContain(`${beats.at(-1).id}: questions: question "${beats.at(-1).questions[0]}" is a spoiler`);
		expect(message).toContain(`${beats[2].id}: minute 1 is not after the previous beat's`);
	});

	test('When the watch party has too few beats, Then the file is named', () => {
		const raw = fresh();
		raw.watchParty.beats = raw.watchParty.beats.slice(0, 3);
		expect(problemsOf(raw)).toContain('data/watch-party.json: beats: needs 6–12 beats');
	});

	test('When a review file is missing, Then the manifest entry is named', () => {
		const raw = fresh();
		raw.sourceTexts = {};
		expect(problemsOf(raw)).toContain('data/sources/manifest.json › soullatte-2025-04-10: review file sources/');
	});
});

describe('Given a data directory on disk', () => {
	let dir: string | undefined;
	afterEach(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
		dir = undefined;
	});
	const copy = () => {
		dir = join(mkdtempSync(join(tmpdir(), 'her-data-')), 'data');
		cpSync(DATA_DIR, dir, { recursive: true });
		return dir;
	};

	test('When it is a good copy, Then loadDataset reads it', () => {
		expect(loadDataset(copy()).quotes).toHaveLength((pristine.quotes as unknown[]).length);
	});

	test('When a file is not valid JSON, Then loadDataset throws one DatasetError naming the file', () => {
		const d = copy();
		writeFileSync(join(d, 'themes.json'), '[{ "id": "love", }');
		expect(() => loadDataset(d)).toThrow(DatasetError);
		expect(() => loadDataset(d)).toThrow(/^The dataset is invalid \(1 problem\):\n- data\/themes\.json: cannot read: /);
	});

	test('When a file is missing, Then loadDataset says which', () => {
		const d = copy();
		rmSync(join(d, 'reflections.json'));
		expect(() => loadDataset(d)).toThrow('- data/reflections.json: cannot read: file not found');
	});
});
