/**
 * Wall-clock arithmetic for daily schedules, done with Intl only (no host timezone is ever read).
 *
 * A schedule says "HH:MM in zone Z". For each local date that wall time names one instant, except:
 * - in a DST gap (02:30 on a spring-forward day in New York does not exist), it is read with the
 *   offset in force before the gap, so it lands as far after the gap as it was into it (03:30 EDT).
 *   This is RFC 5545's rule and Temporal's `disambiguation: 'compatible'`.
 * - in a DST overlap (01:30 on a fall-back day happens twice), it is the first occurrence only.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface WallTime {
	readonly hour: number;
	readonly minute: number;
}

/** A calendar date as `YYYY-MM-DD`: the key for "one post per local day". */
export type LocalDate = string;

const TIME_PATTERN = /^(\d{1,2}):(\d{2})$/;

/** Parses 24-hour `HH:MM` (also `9:00`); anything else, including `24:00` and `9:5`, is undefined. */
export function parseTime(input: string): WallTime | undefined {
	const match = TIME_PATTERN.exec(input.trim());
	if (!match) return undefined;
	const hour = Number(match[1]);
	const minute = Number(match[2]);
	if (hour > 23 || minute > 59) return undefined;
	return { hour, minute };
}

export function formatTime({ hour, minute }: WallTime): string {
	return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

/**
 * The IANA name Intl knows `input` by (case-insensitive, e.g. `asia/seoul` → `Asia/Seoul`), or
 * undefined when it is not a zone. Raw offsets like `+09:00` are refused: they ignore DST.
 */
export function canonicalTimeZone(input: string): string | undefined {
	const name = input.trim();
	if (name === '' || /^[+-]/.test(name) || /^\d/.test(name)) return undefined;
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
	} catch {
		return undefined;
	}
}

interface WallClock {
	readonly year: number;
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
	readonly second: number;
}

function wallClockAt(instant: number, timeZone: string): WallClock {
	const parts: Record<string, number> = {};
	for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return {
		year: parts.year ?? 0,
		month: parts.month ?? 1,
		day: parts.day ?? 1,
		hour: parts.hour ?? 0,
		minute: parts.minute ?? 0,
		second: parts.second ?? 0,
	};
}

/** The zone's UTC offset at `instant`, in milliseconds (+5:45 → 20_700_000). */
export function offsetAt(instant: number, timeZone: string): number {
	const wholeSecond = Math.floor(instant / 1000) * 1000;
	const wall = wallClockAt(wholeSecond, timeZone);
	const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
	return asUtc - wholeSecond;
}

/** The local calendar date in `timeZone` at `instant`. */
export function localDateOf(instant: Date | number, timeZone: string): LocalDate {
	const wall = wallClockAt(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
	return formatDate(wall.year, wall.month, wall.day);
}

function formatDate(year: number, month: number, day: number): LocalDate {
	return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function parseDate(date: LocalDate): { year: number; month: number; day: number } {
	const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
	return { year, month, day };
}

/** `date` plus `days` calendar days (pure calendar arithmetic, no zone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
	const { year, month, day } = parseDate(date);
	const shifted = new Date(Date.UTC(year, month - 1, day) + days * DAY);
	return formatDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}

/**
 * The instant at which `timeZone`'s clocks show `time` on `date`, with the gap and overlap rules
 * above. Offsets are sampled a day either side: no zone changes its offset twice within two days.
 */
export function instantOf(date: LocalDate, time: WallTime, timeZone: string): number {
	const { year, month, day } = parseDate(date);
	const wall = Date.UTC(year, month - 1, day, time.hour, time.minute);
	const offsetBefore = offsetAt(wall - DAY, timeZone);
	const offsetAfter = offsetAt(wall + DAY, timeZone);
	const valid = [wall - offsetBefore, wall - offsetAfter]
		.filter((instant) => wall - instant === offsetAt(instant, timeZone))
		.sort((a, b) => a - b);
	// Both valid: an overlap, take the earlier. None: a gap, read the wall time with the old offset.
	return valid[0] ?? wall - offsetBefore;
}

/** Days of the week as bits, 1 << (0 = Sunday … 6 = Saturday), as `Date#getUTCDay` numbers them. */
export type WeekDays = number;
export const EVERY_DAY: WeekDays = 0b111_1111;
export const WEEKDAYS: WeekDays = 0b011_1110;

/** The day of the week of a calendar date, 0 = Sunday. */
export function weekdayOf(date: LocalDate): number {
	const { year, month, day } = parseDate(date);
	return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export interface DailyTime {
	/** `HH:MM`, 24-hour. */
	readonly time: string;
	readonly timeZone: string;
	/** The local days it comes round on; every day when absent. */
	readonly days?: WeekDays;
}

/** Whether the due `instant` falls on a chosen local day (the day its own clock shows, gap shifts included). */
function onChosenDay(instant: number, { timeZone, days = EVERY_DAY }: DailyTime): boolean {
	return (days & (1 << weekdayOf(localDateOf(instant, timeZone)))) !== 0;
}

function wallTimeOf(time: string): WallTime {
	const parsed = parseTime(time);
	if (!parsed) throw new Error(`not an HH:MM time: ${time}`);
	return parsed;
}

/** The first instant strictly after `after` at which `time` comes round in `timeZone` on a chosen day. */
export function nextDueAt(daily: DailyTime & { after: Date }): Date {
	const { time, timeZone, after } = daily;
	const wallTime = wallTimeOf(time);
	const today = localDateOf(after, timeZone);
	// Starting a day early catches a gap-shifted time that spills into today; two weeks cover a weekly day
	// whose date a zone skipped (Samoa, 2011-12-30).
	for (let offset = -1; offset <= 15; offset++) {
		const instant = instantOf(addDays(today, offset), wallTime, timeZone);
		if (instant > after.getTime() && onChosenDay(instant, daily)) return new Date(instant);
	}
	throw new Error(`no ${time} in ${timeZone} within days of ${after.toISOString()}`);
}

/** The last instant at or before `at` at which `time` came round in `timeZone` on a chosen day. */
export function previousDueAt(daily: DailyTime & { at: Date }): Date {
	const { time, timeZone, at } = daily;
	const wallTime = wallTimeOf(time);
	const today = localDateOf(at, timeZone);
	for (let offset = 1; offset >= -15; offset--) {
		const instant = instantOf(addDays(today, offset), wallTime, timeZone);
		if (instant <= at.getTime() && onChosenDay(instant, daily)) return new Date(instant);
	}
	throw new Error(`no ${time} in ${timeZone} within days before ${at.toISOString()}`);
}
