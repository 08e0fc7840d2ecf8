import type { APIApplicationCommandOptionChoice } from 'discord.js';
import { AUDIENCE_LABELS, AUDIENCES } from './dataset/schema.js';

/**
 * Slash-command choices are registered with Discord ahead of time, so they are written here rather
 * than read from the dataset at start. A test checks they match `data/themes.json` and the audiences.
 */
export const THEME_CHOICES: APIApplicationCommandOptionChoice<string>[] = [
	{ name: 'Love', name_localizations: { ko: '사랑' }, value: 'love' },
	{ name: 'Loneliness', name_localizations: { ko: '외로움' }, value: 'loneliness' },
	{ name: 'Connection', name_localizations: { ko: '연결과 공감' }, value: 'connection' },
	{ name: 'AI and feeling', name_localizations: { ko: 'AI와 감정' }, value: 'ai-and-emotion' },
	{ name: 'What was real', name_localizations: { ko: '진짜 순간' }, value: 'real-moments' },
	{ name: 'Hurt and healing', name_localizations: { ko: '상처와 회복' }, value: 'healing' },
	{ name: 'Growth and change', name_localizations: { ko: '성장과 변화' }, value: 'growth' },
	{ name: 'Facing yourself', name_localizations: { ko: '나를 마주하기' }, value: 'facing-yourself' },
	{ name: 'Technology and 2025', name_localizations: { ko: '기술과 2025년' }, value: 'technology-and-2025' },
];

export const AUDIENCE_CHOICES: APIApplicationCommandOptionChoice<string>[] = AUDIENCES.map((audience) => ({
	name: AUDIENCE_LABELS[audience].en,
	name_localizations: { ko: AUDIENCE_LABELS[audience].ko },
	value: audience,
}));

export const PHASE_CHOICES: APIApplicationCommandOptionChoice<string>[] = [
	{ name: 'Before watching', name_localizations: { ko: '보기 전' }, value: 'before' },
	{ name: 'While watching', name_localizations: { ko: '보는 중' }, value: 'during' },
	{ name: 'After watching (spoilers)', name_localizations: { ko: '본 후 (스포일러)' }, value: 'after' },
];
