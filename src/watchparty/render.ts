import {
	ButtonStyle,
	escapeMarkdown,
	type APIActionRowComponent,
	type APIButtonComponent,
	type APIEmbed,
} from 'discord.js';
import { encodeCustomId } from '../custom-id.js';
import type { Dataset, Question, WatchPartyBeat, WatchPartyPlan } from '../dataset/schema.js';
import type { Lang } from '../i18n/index.js';
import { EMBED_COLOR, inLangs, label, spoiler, truncate } from '../render/common.js';
import { filmCardEmbed } from '../render/film.js';
import { button, buttonRow } from '../render/items.js';
import { watchPartyText } from './messages.js';
import type { Party } from './store.js';
import {
	MINUTE_MS,
	PAUSE_LIMIT_MS,
	effectiveStartAt,
	filmPositionMs,
	nextTarget,
	phaseAt,
	runDurationMs,
	wallTimeAt,
	wrapUpPositionMs,
	type CountdownStep,
	type Timeline,
} from './timeline.js';

export const COMMAND_NAME = 'her-watchparty';
/** The `title` option's limit; the thread name (Discord: 100) is cut again with its prefix. */
export const MAX_TITLE_LENGTH = 80;
const THREAD_NAME_LIMIT = 100;
const FIELD_LIMIT = 1024;
/** Thread names can't hold a Discord timestamp; the date is the one in the film club's home zone. */
const DATE_ZONE = 'Asia/Seoul';

const t = (lang: Lang) => watchPartyText[lang];
/** Cuts multi-line text to a Discord limit, keeping its line breaks (`truncate` flattens them). */
const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const unix = (ms: number) => Math.floor(ms / 1000);
const HOUR_MS = 60 * MINUTE_MS;

/** Film position as `m:ss` (minutes may pass 60: it's the film's clock). */
export function formatPosition(ms: number): string {
	const totalSeconds = Math.max(0, Math.floor(ms / 1000));
	return `${Math.floor(totalSeconds / 60)}:${String(totalSeconds % 60).padStart(2, '0')}`;
}

/**
 * The user's title, made safe to store and show: one line, no way to mention anyone (a zero-width
 * space after every `@`), at most `MAX_TITLE_LENGTH` characters. Empty input means no title.
 */
export function sanitizeTitle(raw: string | null | undefined): string | null {
	if (!raw) return null;
	const flat = raw
		.replace(/\p{Cc}/gu, ' ')
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/@/g, '@\u200b');
	return flat ? truncate(flat, MAX_TITLE_LENGTH) : null;
}

/** The title as shown inside messages: markdown escaped, so it reads exactly as typed. */
export function shownTitle(title: string): string {
	return escapeMarkdown(title);
}

function dateOf(ms: number): string {
	return new Intl.DateTimeFormat('en-CA', {
		timeZone: DATE_ZONE,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
	}).format(new Date(ms));
}

/** "Her watch party · <title or date>", within Discord's 100-character thread-name limit. */
export function partyName(title: string | null, langs: readonly Lang[], startAt: number): string {
	return truncate(`${label(langs, (lang) => t(lang).threadName)} · ${title ?? dateOf(startAt)}`, THREAD_NAME_LIMIT);
}

function startLine(timeline: Timeline, now: number, lang: Lang): string {
	const start = effectiveStartAt(timeline, now);
	const from = timeline.filmOffsetMs > 0 ? ` · ${t(lang).fromMinute(formatPosition(timeline.filmOffsetMs))}` : '';
	return `${t(lang).pressPlayAt(unix(start))}${from}`;
}

/** The public reply in the channel where the party was started. */
export function announcement(party: Party, where: string, now: number, langs: readonly Lang[]): string {
	const title = party.title ? ` · ${shownTitle(party.title)}` : '';
	return langs.map((lang) => `${t(lang).announce(title, where)}\n${startLine(party.timeline, now, lang)}`).join('\n\n');
}

function questionsById(dataset: Dataset, ids: readonly string[]): Question[] {
	return ids.flatMap((id) => dataset.questions.filter((question) => question.id === id));
}

function participantList(members: readonly string[], lang: Lang): string {
	if (members.length === 0) return t(lang).nobodyYet;
	const lines: string[] = [];
	for (const [index, id] of members.entries()) {
		const more = t(lang).andMore(members.length - index);
		if ([...lines, `<@${id}>`].join(' ').length + more.length + 1 > FIELD_LIMIT) {
			lines.push(more);
			break;
		}
		lines.push(`<@${id}>`);
	}
	return lines.join(' ');
}

function joinButtons(party: Party, langs: readonly Lang[]): APIActionRowComponent<APIButtonComponent> {
	return buttonRow(
		button(
			encodeCustomId(COMMAND_NAME, 'join', party.id),
			label(langs, (lang) => t(lang).join),
			ButtonStyle.Success,
		),
		button(
			encodeCustomId(COMMAND_NAME, 'leave', party.id),
			label(langs, (lang) => t(lang).leave),
		),
	);
}

/** The first post in the thread: what this is, spoiler etiquette, participants, Join/Leave, and the film card. */
export function welcomePayload(
	dataset: Dataset,
	plan: WatchPartyPlan,
	party: Party,
	members: readonly string[],
	now: number,
	langs: readonly Lang[],
) {
	const intro = questionsById(dataset, plan.intro);
	const primary = langs[0] ?? 'en';
	const welcome: APIEmbed = {
		color: EMBED_COLOR,
		title: truncate(
			label(langs, (lang) => t(lang).welcomeTitle),
			256,
		),
		description: cut(
			[
				party.title ? `**${shownTitle(party.title)}**` : undefined,
				inLangs(langs, (lang) => `${t(lang).welcomeIntro}\n${startLine(party.timeline, now, lang)}`),
			]
				.filter(Boolean)
				.join('\n\n'),
			4096,
		),
		fields: [
			{
				name: label(langs, (lang) => t(lang).etiquetteTitle),
				value: cut(
					inLangs(langs, (lang) => t(lang).etiquette),
					FIELD_LIMIT,
				),
			},
			...(intro.length > 0
				? [
						{
							name: label(langs, (lang) => t(lang).beforeWeStart),
							value: cut(
								inLangs(langs, (lang) => intro.map((question) => `• ${questionText(question, lang)}`).join('\n')),
								FIELD_LIMIT,
							),
						},
					]
				: []),
			{
				name: `${label(langs, (lang) => t(lang).participants)} (${members.length})`,
				value: participantList(members, primary),
			},
		],
	};
	return {
		embeds: [welcome, filmCardEmbed(dataset.film, langs)],
		components: party.status === 'ended' ? [] : [joinButtons(party, langs)],
		allowedMentions: { parse: [] },
	};
}

/** What the host controls look like now: the state line and Next / Pause or Resume / End. */
export function controlPayload(plan: WatchPartyPlan, party: Party, now: number, langs: readonly Lang[]) {
	const timeline = party.timeline;
	const phase = party.status === 'ended' ? 'ended' : phaseAt(timeline, now);
	const position = formatPosition(filmPositionMs(timeline, now));
	const state = (lang: Lang): string => {
		switch (phase) {
			case 'ended':
				return t(lang).stateEnded;
			case 'paused':
				return t(lang).statePaused(position);
			case 'countdown':
				return t(lang).stateCountdown(unix(effectiveStartAt(timeline, now)));
			case 'playing': {
				const target = nextTarget(timeline, plan);
				return target.kind === 'beat'
					? t(lang).stateNextBeat(target.beat.minute, unix(wallTimeAt(timeline, target.beat.minute * MINUTE_MS, now)))
					: t(lang).stateWrapUp(unix(wallTimeAt(timeline, wrapUpPositionMs(plan), now)));
			}
		}
	};
	const content = langs
		.map((lang) => `**${t(lang).controlsTitle}** · ${t(lang).controlsHelp}\n${state(lang)}`)
		.join('\n\n');
	if (phase === 'ended') return { content, components: [], allowedMentions: { parse: [] } };
	const paused = phase === 'paused';
	return {
		content,
		components: [
			buttonRow(
				button(
					encodeCustomId(COMMAND_NAME, 'next', party.id),
					label(langs, (lang) => t(lang).next),
					ButtonStyle.Primary,
				),
				button(
					encodeCustomId(COMMAND_NAME, paused ? 'resume' : 'pause', party.id),
					label(langs, (lang) => (paused ? t(lang).resume : t(lang).pause)),
				),
				button(
					encodeCustomId(COMMAND_NAME, 'end', party.id),
					label(langs, (lang) => t(lang).end),
					ButtonStyle.Danger,
				),
			),
		],
		allowedMentions: { parse: [] },
	};
}

/** The one countdown message: the start time, then 3…, 2…, 1…, then "press play". */
export function countdownContent(timeline: Timeline, step: CountdownStep | null, now: number, langs: readonly Lang[]) {
	if (step === null) return langs.map((lang) => `⏳ ${startLine(timeline, now, lang)}`).join('\n');
	if (step > 0) return t(langs[0] ?? 'en').countdownStep(step);
	const from = (lang: Lang) =>
		timeline.filmOffsetMs > 0 ? ` (${t(lang).fromMinute(formatPosition(timeline.filmOffsetMs))})` : '';
	return langs.map((lang) => `${t(lang).countdownGo}${from(lang)}`).join('\n');
}

function questionText(question: Question, lang: Lang): string {
	return question.spoiler || question.phase === 'after' ? spoiler(question.text[lang]) : question.text[lang];
}

/** A beat: its minute in the clear, its title and questions behind spoiler tags; "late" when posted after a restart. */
export function beatPayload(dataset: Dataset, beat: WatchPartyBeat, late: boolean, langs: readonly Lang[]) {
	const questions = questionsById(dataset, beat.questions);
	// The cue names the scene the beat follows, hidden like the title, so a host can check the group is there.
	const body = (lang: Lang) =>
		[
			`**${spoiler(beat.title[lang])}**`,
			...questions.map((question) => `• ${spoiler(question.text[lang])}`),
			`-# 🎬 ${spoiler(beat.cue[lang])}`,
		].join('\n');
	// One small line per language: two sentences joined on one line read as a run-on.
	const notes = [...(late ? langs.map((lang) => t(lang).lateNote) : []), ...langs.map((lang) => t(lang).revealHint)];
	return {
		embeds: [
			{
				color: EMBED_COLOR,
				title: `⏱ ${label(langs, (lang) => t(lang).beatTitle(beat.minute))}`,
				description: cut(`${inLangs(langs, body)}\n\n${notes.map((note) => `-# ${note}`).join('\n')}`, 4096),
				footer: { text: beat.id },
			},
		] satisfies APIEmbed[],
		allowedMentions: { parse: [] },
	};
}

function duration(ms: number, lang: Lang): string {
	const minutes = Math.round(ms / MINUTE_MS);
	return t(lang).hoursMinutes(Math.floor(minutes / 60), minutes % 60);
}

/** The last post: wrap-up questions and a summary (who joined, how long it ran, how many beats were posted). */
export function wrapUpPayload(
	dataset: Dataset,
	plan: WatchPartyPlan,
	party: Party,
	members: readonly string[],
	beats: { readonly posted: number; readonly lost: number },
	now: number,
	langs: readonly Lang[],
) {
	const questions = questionsById(dataset, plan.wrapUp);
	const primary = langs[0] ?? 'en';
	const summary = (lang: Lang) =>
		[
			members.length > 0 ? t(lang).summaryJoined(participantList(members, lang)) : t(lang).summaryNobody,
			t(lang).summaryRan(duration(runDurationMs(party.timeline, now), lang)),
			t(lang).summaryBeats(beats.posted, plan.beats.length),
			beats.lost > 0 ? t(lang).summaryLost(beats.lost) : undefined,
			party.endReason === 'ended-by-host' ? t(lang).summaryEndedByHost : undefined,
			party.endReason === 'finished-while-away' ? t(lang).summaryEndedWhileAway : undefined,
			party.endReason === 'paused-too-long' ? t(lang).summaryEndedAfterPause(PAUSE_LIMIT_MS / HOUR_MS) : undefined,
		]
			.filter(Boolean)
			.join('\n');
	return {
		embeds: [
			{
				color: EMBED_COLOR,
				title: label(langs, (lang) => t(lang).wrapUpTitle),
				description: cut(
					inLangs(
						langs,
						(lang) =>
							`${t(lang).wrapUpIntro}\n${questions.map((question) => `• ${questionText(question, lang)}`).join('\n')}`,
					),
					4096,
				),
			},
			{
				color: EMBED_COLOR,
				title: label(langs, (lang) => t(lang).summaryTitle),
				description: cut(langs.length > 1 ? inLangs(langs, summary) : summary(primary), 4096),
			},
		] satisfies APIEmbed[],
		allowedMentions: { parse: [] },
	};
}

/**
 * A short public line in the thread when the host pauses, resumes, seeks or brings a beat up early,
 * so everyone's player follows and nobody wonders why a beat came early.
 */
export function noticeContent(
	kind: 'paused' | 'resumed' | 'seek' | 'next',
	positionMs: number,
	userId: string,
	langs: readonly Lang[],
): string {
	const position = formatPosition(positionMs);
	const user = `<@${userId}>`;
	const line = (lang: Lang): string => {
		switch (kind) {
			case 'paused':
				return t(lang).pausedNotice(position, user);
			case 'resumed':
				return t(lang).resumedNotice(position);
			case 'seek':
				return t(lang).seekNotice(position, user);
			case 'next':
				return t(lang).nextNotice(Math.round(positionMs / MINUTE_MS), user);
		}
	};
	return langs.map(line).join('\n');
}
