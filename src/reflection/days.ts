import type { Lang } from '../i18n/index.js';
import { EVERY_DAY, WEEKDAYS, type WeekDays } from './time.js';

/** Names a day may be typed as, by its number (0 = Sunday), in English and Korean. */
const DAY_NAMES: readonly (readonly string[])[] = [
	['sun', 'sunday', '일', '일요일'],
	['mon', 'monday', '월', '월요일'],
	['tue', 'tues', 'tuesday', '화', '화요일'],
	['wed', 'wednesday', '수', '수요일'],
	['thu', 'thur', 'thurs', 'thursday', '목', '목요일'],
	['fri', 'friday', '금', '금요일'],
	['sat', 'saturday', '토', '토요일'],
];
const EVERY_DAY_NAMES = new Set(['daily', 'every day', 'everyday', 'all', '매일']);
const WEEKDAY_NAMES = new Set(['weekdays', 'weekday', '평일']);
const WEEKEND_NAMES = new Set(['weekends', 'weekend', '주말']);
const WEEKENDS: WeekDays = 0b100_0001;

export type ParsedDays = { readonly days: WeekDays } | { readonly unknown: string };

/**
 * `daily`, `weekdays`, `weekends`, or days separated by commas or spaces (`sat,sun`, `mon-fri`, `토,일`),
 * case-insensitive. The first word that is not a day is returned, to name it back to the admin.
 */
export function parseDays(input: string): ParsedDays {
	const text = input.trim().toLowerCase();
	if (EVERY_DAY_NAMES.has(text)) return { days: EVERY_DAY };
	if (WEEKDAY_NAMES.has(text)) return { days: WEEKDAYS };
	if (WEEKEND_NAMES.has(text)) return { days: WEEKENDS };
	const dayNumber = (name: string) => DAY_NAMES.findIndex((names) => names.includes(name));
	let days = 0;
	for (const word of text.split(/[\s,]+/).filter(Boolean)) {
		const range = word.split('-');
		const [from, to] = [dayNumber(range[0] ?? ''), dayNumber(range.at(-1) ?? '')];
		if (range.length > 2 || from < 0 || to < 0) return { unknown: word };
		// mon-fri, and fri-mon across the weekend.
		for (let day = from; ; day = (day + 1) % 7) {
			days |= 1 << day;
			if (day === to) break;
		}
	}
	return days === 0 ? { unknown: input.trim() } : { days };
}

const SHORT_NAMES: Record<Lang, readonly string[]> = {
	en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
	ko: ['일', '월', '화', '수', '목', '금', '토'],
};
const NAMED: Record<Lang, { every: string; weekdays: string; weekends: string }> = {
	en: { every: 'every day', weekdays: 'weekdays', weekends: 'weekends' },
	ko: { every: '매일', weekdays: '평일', weekends: '주말' },
};

/** The days as an admin reads them: "every day", "weekdays", or "Mon, Wed, Sat" (Monday first). */
export function formatDays(days: WeekDays, lang: Lang): string {
	if (days === EVERY_DAY) return NAMED[lang].every;
	if (days === WEEKDAYS) return NAMED[lang].weekdays;
	if (days === WEEKENDS) return NAMED[lang].weekends;
	return [1, 2, 3, 4, 5, 6, 0]
		.filter((day) => days & (1 << day))
		.map((day) => SHORT_NAMES[lang][day])
		.join(lang === 'ko' ? '·' : ', ');
}
