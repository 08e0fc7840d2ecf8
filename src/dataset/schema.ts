import { z } from 'zod';

// Discord limits that shape the dataset: an embed description holds 4096 characters and a thread name 100,
// so items stay well under those even when both languages are posted together with a short prefix.
export const MAX_TEXT = 1000;
export const MAX_REFLECTION = 300;
export const MAX_TITLE = 90;

export const LANGS = ['ko', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

export const AUDIENCES = [
	'tired-of-dating',
	'lonely-connected',
	'curious-about-ai',
	'healing',
	'rewatch-2025',
	'anyone',
] as const;
export type Audience = (typeof AUDIENCES)[number];

// Labels for the `/her-recommend for:` choices; the keys are the contract, the labels may change.
export const AUDIENCE_LABELS: Record<Audience, Bilingual> = {
	'tired-of-dating': { ko: '연애에 지친 사람', en: 'Tired of dating' },
	'lonely-connected': { ko: '늘 연결돼 있어도 외로운 사람', en: 'Lonely though always connected' },
	'curious-about-ai': { ko: 'AI와 감정이 궁금한 사람', en: 'Curious about AI and feelings' },
	healing: { ko: '이별이나 이혼을 지나는 사람', en: 'Healing after a breakup or divorce' },
	'rewatch-2025': { ko: '영화의 배경인 2025년에 다시 보는 사람', en: 'Rewatching in 2025, the year it is set in' },
	anyone: { ko: '누구에게나', en: 'Anyone' },
};

export const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const idSchema = z.string().regex(ID_PATTERN, 'must be kebab-case (a-z, 0-9, single hyphens)');

const text = (max: number) =>
	z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const bilingualSchema = z.strictObject({ ko: text(MAX_TEXT), en: text(MAX_TEXT) });
export type Bilingual = { ko: string; en: string };

const titleSchema = z.strictObject({ ko: text(MAX_TITLE), en: text(MAX_TITLE) });

// Where an item comes from: `excerpt` is a passage of that review as written (compared with whitespace collapsed).
export const sourceRefSchema = z.strictObject({
	review: idSchema,
	excerpt: z.string().trim().min(5, 'must be a real passage (at least 5 characters)'),
});
export type SourceRef = z.infer<typeof sourceRefSchema>;

// Who said a quote: a line of the film or the review's writer, whose name (or none) comes from the source manifest.
// A film line is shown as the review quotes it, in Korean: neither review says who speaks it, so neither do we.
export const speakerSchema = z.discriminatedUnion('kind', [
	z.strictObject({ kind: z.literal('film') }),
	z.strictObject({ kind: z.literal('reviewer') }),
]);
export type Speaker = z.infer<typeof speakerSchema>;

// Fields every posted item shares. `spoiler` marks anything about the ending, Samantha leaving,
// her talks with other OSes, the rooftop with Amy, the breakup.
const itemBase = {
	id: idSchema,
	text: bilingualSchema,
	themes: z.array(idSchema).min(1, 'needs at least one theme'),
	spoiler: z.boolean(),
	source: sourceRefSchema,
};

// A quote shows the excerpt as written, but for these spelling and spacing fixes (the excerpt itself stays verbatim).
export const MAX_CORRECTION = 20;
export const correctionSchema = z.strictObject({ from: text(MAX_CORRECTION), to: text(MAX_CORRECTION) });
export type Correction = z.infer<typeof correctionSchema>;

export const quoteSchema = z.strictObject({
	...itemBase,
	speaker: speakerSchema,
	corrections: z.array(correctionSchema).optional(),
});
export type Quote = z.infer<typeof quoteSchema>;

// `verbatim`: the review itself asks this question; `derived`: ours, grounded in the excerpt.
export const ORIGINS = ['verbatim', 'derived'] as const;
export const questionSchema = z.strictObject({ ...itemBase, phase: z.enum(PHASES), origin: z.enum(ORIGINS) });
export type Question = z.infer<typeof questionSchema>;

export const recommendationSchema = z.strictObject({
	...itemBase,
	audience: z.enum(AUDIENCES),
	title: titleSchema,
});
export type Recommendation = z.infer<typeof recommendationSchema>;

export const reflectionSchema = z.strictObject({
	...itemBase,
	text: z.strictObject({ ko: text(MAX_REFLECTION), en: text(MAX_REFLECTION) }),
});
export type Reflection = z.infer<typeof reflectionSchema>;

export const themeSchema = z.strictObject({
	id: idSchema,
	label: z.strictObject({ ko: text(50), en: text(50) }),
	description: z.strictObject({ ko: text(200), en: text(200) }),
});
export type Theme = z.infer<typeof themeSchema>;

// `cue`: the scene that comes just before the beat, so a host whose copy runs differently knows where it belongs.
export const beatSchema = z.strictObject({
	id: idSchema,
	minute: z.number().int().min(0),
	title: titleSchema,
	cue: titleSchema,
	spoiler: z.boolean(),
	questions: z.array(idSchema).min(1).max(2),
});
export type WatchPartyBeat = z.infer<typeof beatSchema>;

export const watchPartySchema = z.strictObject({
	runtimeMinutes: z.number().int().positive(),
	intro: z.array(idSchema).min(1),
	wrapUp: z.array(idSchema).min(1),
	beats: z.array(beatSchema).min(6, 'needs 6–12 beats').max(12, 'needs 6–12 beats'),
});
export type WatchPartyPlan = z.infer<typeof watchPartySchema>;

const castMemberSchema = z.strictObject({
	actor: bilingualSchema,
	role: bilingualSchema,
	voice: z.boolean().optional(),
});

export const filmSchema = z.strictObject({
	title: bilingualSchema,
	year: z.number().int(),
	genre: bilingualSchema,
	writerDirector: bilingualSchema,
	cast: z.array(castMemberSchema).min(1),
	runtimeMinutes: z.number().int().positive(),
	storySetIn: z.number().int(),
	awards: z.array(
		z.strictObject({
			ceremony: bilingualSchema,
			year: z.number().int(),
			won: z.array(bilingualSchema),
			nominated: z.array(bilingualSchema),
		}),
	),
	koreanRereleases: z.array(
		z.strictObject({
			ordinal: z.number().int().positive(),
			// YYYY-MM: the sources give the month, not the day.
			date: z.string().regex(/^\d{4}-\d{2}$/),
			venue: text(60),
			note: bilingualSchema,
		}),
	),
	// Which review states which fact; facts not listed here are general film knowledge.
	sourcedFacts: z.array(z.strictObject({ fact: text(200), review: idSchema })),
	// The card's facts that no review gives, named on the card itself.
	generalKnowledge: z.array(z.strictObject({ ko: text(60), en: text(60) })).min(1),
});
export type Film = z.infer<typeof filmSchema>;

export const manifestEntrySchema = z.strictObject({
	id: idSchema,
	title: text(200),
	titleEn: text(200),
	author: text(100).nullable(),
	// YYYY, YYYY-MM or YYYY-MM-DD: as precise as the source allows.
	published: z.string().regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD'),
	language: z.literal('ko'),
	file: z.string().regex(/^[a-z0-9-]+\.txt$/, 'must be a .txt file name in data/sources/'),
	note: text(500).optional(),
});
export const manifestSchema = z.array(manifestEntrySchema).min(1);
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
/** A manifest entry with its review text loaded. */
export type SourceEntry = ManifestEntry & { text: string };

export const themesSchema = z.array(themeSchema).min(1);

export type Dataset = {
	sources: SourceEntry[];
	film: Film;
	themes: Theme[];
	quotes: Quote[];
	questions: Question[];
	recommendations: Recommendation[];
	reflections: Reflection[];
	watchParty: WatchPartyPlan;
};

export type ItemKind = 'quotes' | 'questions' | 'recommendations' | 'reflections';
