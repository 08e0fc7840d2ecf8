import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ZodType } from 'zod';
import { MAX_ITEMS_PER_PASSAGE, passageUse } from './passages.js';
import {
	filmSchema,
	manifestEntrySchema,
	questionSchema,
	quoteSchema,
	recommendationSchema,
	reflectionSchema,
	themeSchema,
	watchPartySchema,
} from './schema.js';
import type {
	Correction,
	Dataset,
	Film,
	ItemKind,
	ManifestEntry,
	Phase,
	Question,
	Quote,
	Recommendation,
	Reflection,
	SourceEntry,
	Theme,
	WatchPartyPlan,
} from './schema.js';

/** Where each part of the dataset lives, relative to `data/`. */
export const DATASET_FILES = {
	manifest: 'sources/manifest.json',
	film: 'film.json',
	themes: 'themes.json',
	quotes: 'quotes.json',
	questions: 'questions.json',
	recommendations: 'recommendations.json',
	reflections: 'reflections.json',
	watchParty: 'watch-party.json',
} as const;
export type DatasetFileKey = keyof typeof DATASET_FILES;

/** The dataset's files as parsed JSON, before validation, plus each review's text keyed by its file name. */
export type RawDataset = Record<DatasetFileKey, unknown> & { sourceTexts: Record<string, string> };

export type DatasetProblem = { file: string; id?: string; message: string };

export class DatasetError extends Error {
	override readonly name = 'DatasetError';
	constructor(readonly problems: readonly DatasetProblem[]) {
		const lines = problems.map((p) => `- ${p.file}${p.id === undefined ? '' : ` › ${p.id}`}: ${p.message}`);
		const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
		super(`The dataset is invalid (${count}):\n${lines.join('\n')}`);
	}
}

/** Collapses runs of whitespace (the second review breaks lines mid-sentence) so passages compare as written. */
export function normalizeWhitespace(s: string): string {
	return s.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** The excerpt as a quote shows it: each recorded spelling or spacing fix applied (whitespace collapsed). */
export function correctedExcerpt(excerpt: string, corrections: readonly Correction[] = []): string {
	return corrections.reduce(
		(text, { from, to }) => text.replaceAll(normalizeWhitespace(from), normalizeWhitespace(to)),
		normalizeWhitespace(excerpt),
	);
}

// A correction fixes spelling or spacing: the same letters but for spaces and at most two others.
const MAX_CORRECTED_LETTERS = 2;
function lettersChanged(from: string, to: string): number {
	const a = [...from.replace(/\s+/g, '')];
	const b = [...to.replace(/\s+/g, '')];
	// Edit distance, one row at a time.
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		previous = current;
	}
	return previous[b.length]!;
}

// A verbatim question may drop the quotation marks and add a question mark around the review's words.
function questionCore(s: string): string {
	return normalizeWhitespace(s.replace(/[“”‘’"'?？.]/g, ' '));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

// Finds the innermost object with an `id` along a zod issue path, so a problem names the item, not an index.
function locate(root: unknown, path: readonly PropertyKey[], fallback: string): { id: string; where: string } {
	let node: unknown = root;
	let id = isRecord(root) && typeof root.id === 'string' ? root.id : fallback;
	let rest: PropertyKey[] = [];
	for (const seg of path) {
		node = isRecord(node) ? node[seg as string] : undefined;
		rest.push(seg);
		if (isRecord(node) && typeof node.id === 'string') {
			id = node.id;
			rest = [];
		}
	}
	const where = rest.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`)).join('');
	return { id, where: where.replace(/^\./, '') };
}

/**
 * Validates raw dataset files: the zod schema of every file, then the cross-checks (unique ids, excerpts found
 * in their review, references that resolve). Throws a DatasetError listing every problem found.
 */
export function validateDataset(raw: RawDataset, dirLabel = 'data'): Dataset {
	const problems: DatasetProblem[] = [];
	const fileOf = (key: DatasetFileKey) => `${dirLabel}/${DATASET_FILES[key]}`;
	const add = (key: DatasetFileKey, id: string | undefined, message: string) =>
		problems.push(id === undefined ? { file: fileOf(key), message } : { file: fileOf(key), id, message });

	const reportIssues = (key: DatasetFileKey, root: unknown, issues: readonly z4Issue[], fallback?: string) => {
		for (const issue of issues) {
			const { id, where } = locate(root, issue.path, fallback ?? '');
			add(key, id || undefined, `${where ? `${where}: ` : ''}${issue.message}`);
		}
	};

	function parseObject<T>(key: DatasetFileKey, schema: ZodType<T>): T | undefined {
		const result = schema.safeParse(raw[key]);
		if (result.success) return result.data;
		reportIssues(key, raw[key], result.error.issues);
		return undefined;
	}

	// Items are parsed one by one so one bad item does not hide the cross-check problems of the others.
	function parseArray<T extends { id: string }>(key: DatasetFileKey, schema: ZodType<T>): T[] {
		const value = raw[key];
		if (!Array.isArray(value)) {
			add(key, undefined, 'must be a JSON array');
			return [];
		}
		const items: T[] = [];
		const seen = new Set<string>();
		value.forEach((item: unknown, index) => {
			const result = schema.safeParse(item);
			if (!result.success) {
				reportIssues(key, item, result.error.issues, `item #${index + 1}`);
				return;
			}
			if (seen.has(result.data.id)) add(key, result.data.id, 'duplicate id');
			seen.add(result.data.id);
			items.push(result.data);
		});
		return items;
	}

	const manifest: ManifestEntry[] = parseArray('manifest', manifestEntrySchema);
	const film: Film | undefined = parseObject('film', filmSchema);
	const themes: Theme[] = parseArray('themes', themeSchema);
	const quotes: Quote[] = parseArray('quotes', quoteSchema);
	const questions: Question[] = parseArray('questions', questionSchema);
	const recommendations: Recommendation[] = parseArray('recommendations', recommendationSchema);
	const reflections: Reflection[] = parseArray('reflections', reflectionSchema);
	const watchParty: WatchPartyPlan | undefined = parseObject('watchParty', watchPartySchema);

	// Sources: every manifest entry needs its review text.
	const sources: SourceEntry[] = [];
	const reviewText = new Map<string, string>();
	for (const entry of manifest) {
		const text = raw.sourceTexts[entry.file];
		if (text === undefined) {
			add('manifest', entry.id, `review file sources/${entry.file} not found`);
			continue;
		}
		sources.push({ ...entry, text });
		reviewText.set(entry.id, normalizeWhitespace(text));
	}

	const themeIds = new Set(themes.map((t) => t.id));
	const questionById = new Map(questions.map((q) => [q.id, q]));

	// Ids are unique across kinds too, so any item can be looked up (or autocompleted) by id alone.
	const kindOfId = new Map<string, ItemKind>();
	const kinds: [ItemKind, { id: string }[]][] = [
		['quotes', quotes],
		['questions', questions],
		['recommendations', recommendations],
		['reflections', reflections],
	];
	for (const [kind, items] of kinds) {
		for (const item of items) {
			const other = kindOfId.get(item.id);
			if (other !== undefined && other !== kind) add(kind, item.id, `id is already used in ${fileOf(other)}`);
			kindOfId.set(item.id, kind);
		}
	}

	const checkSourceRef = (key: DatasetFileKey, id: string, review: string, excerpt: string) => {
		const text = reviewText.get(review);
		if (text === undefined) {
			if (!manifest.some((m) => m.id === review))
				add(key, id, `source.review "${review}" is not in ${fileOf('manifest')}`);
			return;
		}
		if (!text.includes(normalizeWhitespace(excerpt))) {
			add(key, id, `source.excerpt is not found in review "${review}" (compared with whitespace collapsed)`);
		}
	};

	for (const [kind, items] of [
		['quotes', quotes],
		['questions', questions],
		['recommendations', recommendations],
		['reflections', reflections],
	] as const) {
		for (const item of items) {
			for (const theme of item.themes) {
				if (!themeIds.has(theme)) add(kind, item.id, `theme "${theme}" is not in ${fileOf('themes')}`);
			}
			checkSourceRef(kind, item.id, item.source.review, item.source.excerpt);
		}
	}

	for (const quote of quotes) {
		const excerpt = normalizeWhitespace(quote.source.excerpt);
		for (const { from, to } of quote.corrections ?? []) {
			if (!excerpt.includes(normalizeWhitespace(from))) {
				add('quotes', quote.id, `corrections: "${from}" is not in the excerpt`);
			} else if (normalizeWhitespace(from) === normalizeWhitespace(to)) {
				add('quotes', quote.id, `corrections: "${from}" is corrected to itself`);
			} else if (lettersChanged(from, to) > MAX_CORRECTED_LETTERS) {
				add('quotes', quote.id, `corrections: "${from}" → "${to}" rewrites more than spelling and spacing`);
			}
		}
		if (normalizeWhitespace(quote.text.ko) !== correctedExcerpt(quote.source.excerpt, quote.corrections)) {
			add(
				'quotes',
				quote.id,
				quote.corrections
					? 'text.ko must be the excerpt with its recorded corrections, and nothing else changed'
					: 'text.ko must be the excerpt as written (whitespace aside), or record its corrections',
			);
		}
	}
	for (const question of questions) {
		if (
			question.origin === 'verbatim' &&
			!questionCore(question.source.excerpt).includes(questionCore(question.text.ko))
		) {
			add(
				'questions',
				question.id,
				'a verbatim question must appear in its excerpt as written (quotation marks aside)',
			);
		}
	}

	// No sentence of a review grounds more than MAX_ITEMS_PER_PASSAGE items.
	const kindOf = (id: string): DatasetFileKey => kindOfId.get(id) ?? 'quotes';
	for (const use of passageUse(sources, [...quotes, ...questions, ...recommendations, ...reflections])) {
		if (use.items.length <= MAX_ITEMS_PER_PASSAGE) continue;
		const last = use.items.at(-1)!;
		add(
			kindOf(last),
			last,
			`the passage "${use.sentence.slice(0, 40)}…" is used by ${use.items.length} items (${use.items.join(', ')}); at most ${MAX_ITEMS_PER_PASSAGE}`,
		);
	}

	if (film) {
		for (const fact of film.sourcedFacts) {
			if (!reviewText.has(fact.review) && !manifest.some((m) => m.id === fact.review)) {
				add('film', undefined, `sourcedFacts: review "${fact.review}" is not in ${fileOf('manifest')}`);
			}
		}
	}

	if (watchParty) {
		if (film && film.runtimeMinutes !== watchParty.runtimeMinutes) {
			add(
				'watchParty',
				undefined,
				`runtimeMinutes ${watchParty.runtimeMinutes} differs from film.json (${film.runtimeMinutes})`,
			);
		}
		const checkQuestions = (
			id: string | undefined,
			field: string,
			ids: readonly string[],
			phase: Phase,
			spoilerOk: boolean,
		) => {
			for (const qid of ids) {
				const question = questionById.get(qid);
				if (!question) {
					add('watchParty', id, `${field}: question "${qid}" is not in ${fileOf('questions')}`);
				} else if (question.phase !== phase) {
					add('watchParty', id, `${field}: question "${qid}" has phase "${question.phase}", expected "${phase}"`);
				} else if (question.spoiler && !spoilerOk) {
					add('watchParty', id, `${field}: question "${qid}" is a spoiler but this is not flagged as one`);
				}
			}
		};
		checkQuestions(undefined, 'intro', watchParty.intro, 'before', false);
		checkQuestions(undefined, 'wrapUp', watchParty.wrapUp, 'after', true);
		const beatIds = new Set<string>();
		let previous = -1;
		for (const beat of watchParty.beats) {
			if (beatIds.has(beat.id)) add('watchParty', beat.id, 'duplicate beat id');
			beatIds.add(beat.id);
			if (beat.minute <= previous) add('watchParty', beat.id, `minute ${beat.minute} is not after the previous beat's`);
			if (beat.minute >= watchParty.runtimeMinutes)
				add('watchParty', beat.id, `minute ${beat.minute} is past the runtime`);
			previous = beat.minute;
			checkQuestions(beat.id, 'questions', beat.questions, 'during', beat.spoiler);
		}
	}

	if (problems.length > 0 || !film || !watchParty) throw new DatasetError(problems);
	return { sources, film, themes, quotes, questions, recommendations, reflections, watchParty };
}

type z4Issue = { path: PropertyKey[]; message: string };

function findDefaultDataDir(): string {
	// Works from src/dataset under tsx and from a compiled dist/src/dataset alike.
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		const candidate = join(dir, 'data');
		if (existsSync(join(candidate, DATASET_FILES.manifest))) return candidate;
		dir = dirname(dir);
	}
	return fileURLToPath(new URL('../../data/', import.meta.url));
}

/** Reads the dataset's files from `dir` without validating them. Throws DatasetError if a file is missing or not JSON. */
export function readRawDataset(dir: string = findDefaultDataDir()): RawDataset {
	const label = basename(dir);
	const problems: DatasetProblem[] = [];
	const readJson = (key: DatasetFileKey): unknown => {
		try {
			return JSON.parse(readFileSync(join(dir, DATASET_FILES[key]), 'utf8')) as unknown;
		} catch (error) {
			const reason = isRecord(error) && error.code === 'ENOENT' ? 'file not found' : String((error as Error).message);
			problems.push({ file: `${label}/${DATASET_FILES[key]}`, message: `cannot read: ${reason}` });
			return undefined;
		}
	};
	const raw = Object.fromEntries(
		Object.keys(DATASET_FILES).map((key) => [key, readJson(key as DatasetFileKey)]),
	) as Record<DatasetFileKey, unknown>;
	if (problems.length > 0) throw new DatasetError(problems);

	// A missing review file is reported by validateDataset, against the manifest entry that names it.
	const sourceTexts: Record<string, string> = {};
	if (Array.isArray(raw.manifest)) {
		for (const entry of raw.manifest as unknown[]) {
			if (!isRecord(entry) || typeof entry.file !== 'string' || entry.file.includes('/')) continue;
			const file = join(dir, 'sources', entry.file);
			if (existsSync(file)) sourceTexts[entry.file] = readFileSync(file, 'utf8');
		}
	}
	return { ...raw, sourceTexts };
}

/** Reads and validates the dataset in `dir` (default: the repository's `data/`). Throws DatasetError if broken. */
export function loadDataset(dir: string = findDefaultDataDir()): Dataset {
	return validateDataset(readRawDataset(dir), basename(dir));
}
