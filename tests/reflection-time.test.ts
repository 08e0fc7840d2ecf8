import { describe, expect, test } from 'vitest';
import { decide, nextDueAfter, reflectionNonce } from '../src/reflection/schedule.js';
import { formatDays, parseDays } from '../src/reflection/days.js';
import {
	WEEKDAYS,
	canonicalTimeZone,
	localDateOf,
	nextDueAt,
	parseTime,
	previousDueAt,
} from '../src/reflection/time.js';

const at = (iso: string) => new Date(iso);
const next = (time: string, timeZone: string, after: string) =>
	nextDueAt({ time, timeZone, after: at(after) }).toISOString();

describe('parseTime', () => {
	test.each([
		['09:00', { hour: 9, minute: 0 }],
		['9:00', { hour: 9, minute: 0 }],
		['21:30', { hour: 21, minute: 30 }],
		['00:00', { hour: 0, minute: 0 }],
		['23:59', { hour: 23, minute: 59 }],
		[' 7:05 ', { hour: 7, minute: 5 }],
	])('Given %j, then it reads as %j', (input, expected) => {
		expect(parseTime(input)).toEqual(expected);
	});

	test.each(['24:00', '9:5', '9', '09:60', 'nine', '9:00 PM', '09.00', '', '123:00'])(
		'Given %j, then it is not a time',
		(input) => {
			expect(parseTime(input)).toBeUndefined();
		},
	);
});

describe('canonicalTimeZone', () => {
	test('Given a zone typed in lower case, then it resolves to its IANA spelling', () => {
		expect(canonicalTimeZone('asia/seoul')).toBe('Asia/Seoul');
	});

	test.each(['Mars/Olympus', '+09:00', 'KST+9', '', '9'])('Given %j, then it is not a zone', (input) => {
		expect(canonicalTimeZone(input)).toBeUndefined();
	});
});

describe('nextDueAt', () => {
	test('Given 09:00 in Seoul and a moment before it, then it is 09:00 KST that day', () => {
		expect(next('09:00', 'Asia/Seoul', '2024-03-09T23:59:00Z')).toBe('2024-03-10T00:00:00.000Z');
	});

	test('Given exactly the due instant, then the next one is a day later (strictly after)', () => {
		expect(next('09:00', 'Asia/Seoul', '2024-03-10T00:00:00Z')).toBe('2024-03-11T00:00:00.000Z');
	});

	test('Given the host runs in Los Angeles, then Seoul times do not move with the host', () => {
		expect(process.env.TZ).toBe('America/Los_Angeles');
		expect(next('00:30', 'Asia/Seoul', '2024-03-10T09:00:00Z')).toBe('2024-03-10T15:30:00.000Z');
	});

	describe('America/New_York', () => {
		test('Given 09:00 across the spring-forward night, then it stays 09:00 local (14:00Z, then 13:00Z)', () => {
			expect(next('09:00', 'America/New_York', '2024-03-09T12:00:00Z')).toBe('2024-03-09T14:00:00.000Z');
			expect(next('09:00', 'America/New_York', '2024-03-09T14:00:00Z')).toBe('2024-03-10T13:00:00.000Z');
		});

		test('Given 02:30 on the spring-forward day (it does not exist), then it is 03:30 EDT, once', () => {
			expect(next('02:30', 'America/New_York', '2024-03-09T12:00:00Z')).toBe('2024-03-10T07:30:00.000Z');
			expect(next('02:30', 'America/New_York', '2024-03-10T07:30:00Z')).toBe('2024-03-11T06:30:00.000Z');
		});

		test('Given 01:30 on the fall-back day (it happens twice), then only the first 01:30 (EDT) counts', () => {
			expect(next('01:30', 'America/New_York', '2024-11-03T00:00:00Z')).toBe('2024-11-03T05:30:00.000Z');
			// After the first 01:30 the next is tomorrow's, not the second 01:30 an hour later.
			expect(next('01:30', 'America/New_York', '2024-11-03T05:30:00Z')).toBe('2024-11-04T06:30:00.000Z');
		});
	});

	describe('Europe/London', () => {
		test('Given 01:30 on the spring-forward day, then it is 02:30 BST', () => {
			expect(next('01:30', 'Europe/London', '2024-03-30T12:00:00Z')).toBe('2024-03-31T01:30:00.000Z');
		});

		test('Given 01:30 on the fall-back day, then the first (BST) occurrence, then tomorrow in GMT', () => {
			expect(next('01:30', 'Europe/London', '2024-10-26T12:00:00Z')).toBe('2024-10-27T00:30:00.000Z');
			expect(next('01:30', 'Europe/London', '2024-10-27T00:30:00Z')).toBe('2024-10-28T01:30:00.000Z');
		});
	});

	test('Given Asia/Kathmandu (+5:45), then 09:00 is 03:15Z', () => {
		expect(next('09:00', 'Asia/Kathmandu', '2024-06-01T00:00:00Z')).toBe('2024-06-01T03:15:00.000Z');
	});

	test('Given America/St_Johns, then 09:00 is 12:30Z in winter (−3:30) and 11:30Z in summer (−2:30)', () => {
		expect(next('09:00', 'America/St_Johns', '2024-01-15T00:00:00Z')).toBe('2024-01-15T12:30:00.000Z');
		expect(next('09:00', 'America/St_Johns', '2024-07-15T00:00:00Z')).toBe('2024-07-15T11:30:00.000Z');
	});

	test('Given Pacific/Kiritimati (+14), then the local day is ahead of UTC and 08:00 is 18:00Z the day before', () => {
		expect(localDateOf(at('2024-01-01T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2024-01-02');
		expect(next('08:00', 'Pacific/Kiritimati', '2024-01-01T09:00:00Z')).toBe('2024-01-01T18:00:00.000Z');
	});

	test('Given the day Kiritimati skipped crossing the date line (1994-12-31), then the next post is on 1995-01-01', () => {
		const due = nextDueAt({ time: '09:00', timeZone: 'Pacific/Kiritimati', after: at('1994-12-30T19:00:00Z') });
		expect(due.toISOString()).toBe('1994-12-31T19:00:00.000Z');
		expect(localDateOf(due, 'Pacific/Kiritimati')).toBe('1995-01-01');
	});

	test('Given the day Samoa skipped (2011-12-30 in Pacific/Apia), then one post on the 31st and one on the 1st', () => {
		const first = nextDueAt({ time: '09:00', timeZone: 'Pacific/Apia', after: at('2011-12-29T20:00:00Z') });
		const second = nextDueAt({ time: '09:00', timeZone: 'Pacific/Apia', after: first });
		expect([first, second].map((due) => localDateOf(due, 'Pacific/Apia'))).toEqual(['2011-12-31', '2012-01-01']);
	});
});

describe('previousDueAt', () => {
	test('Given a moment after today’s time, then it is today’s due instant', () => {
		const previous = previousDueAt({ time: '09:00', timeZone: 'Asia/Seoul', at: at('2024-03-10T05:00:00Z') });
		expect(previous.toISOString()).toBe('2024-03-10T00:00:00.000Z');
	});

	test('Given a moment before today’s time, then it is yesterday’s', () => {
		const previous = previousDueAt({ time: '21:30', timeZone: 'Asia/Seoul', at: at('2024-03-10T05:00:00Z') });
		expect(previous.toISOString()).toBe('2024-03-09T12:30:00.000Z');
	});
});

describe('decide', () => {
	const seoul = { time: '09:00', timeZone: 'Asia/Seoul', nextDueAt: at('2024-03-10T00:00:00Z') };

	test('Given a schedule not yet due, then wait', () => {
		expect(decide(seoul, at('2024-03-09T23:59:59Z'))).toEqual({ kind: 'wait' });
	});

	test('Given the due instant, then post for that local date on time', () => {
		expect(decide(seoul, at('2024-03-10T00:00:00Z'))).toEqual({
			kind: 'post',
			localDate: '2024-03-10',
			dueAt: at('2024-03-10T00:00:00Z'),
			lateByMs: 0,
		});
	});

	test('Given the bot was down until 23:59 the same local day, then post late', () => {
		const decision = decide(seoul, at('2024-03-10T14:59:00Z'));
		expect(decision).toMatchObject({ kind: 'post', localDate: '2024-03-10', lateByMs: 14 * 3_600_000 + 59 * 60_000 });
	});

	test('Given the bot was down past local midnight and today’s time is still ahead, then skip to today’s time', () => {
		expect(decide(seoul, at('2024-03-10T15:00:00Z'))).toEqual({
			kind: 'skip',
			missedDate: '2024-03-10',
			nextDueAt: at('2024-03-11T00:00:00Z'),
		});
	});

	test('Given the bot was down for three days and comes back after today’s time, then only today’s prompt goes out', () => {
		const decision = decide(seoul, at('2024-03-13T02:00:00Z'));
		expect(decision).toMatchObject({ kind: 'post', localDate: '2024-03-13', dueAt: at('2024-03-13T00:00:00Z') });
	});

	test('Given Kiritimati, then the local day ends at 10:00Z: late before it, skipped after it', () => {
		const kiritimati = { time: '08:00', timeZone: 'Pacific/Kiritimati', nextDueAt: at('2024-01-01T18:00:00Z') };
		expect(decide(kiritimati, at('2024-01-02T09:59:00Z'))).toMatchObject({ kind: 'post', localDate: '2024-01-02' });
		expect(decide(kiritimati, at('2024-01-02T10:00:00Z'))).toEqual({
			kind: 'skip',
			missedDate: '2024-01-02',
			nextDueAt: at('2024-01-02T18:00:00Z'),
		});
	});

	test('Given Kathmandu, then the local day ends at 18:15Z', () => {
		const kathmandu = { time: '09:00', timeZone: 'Asia/Kathmandu', nextDueAt: at('2024-06-01T03:15:00Z') };
		expect(decide(kathmandu, at('2024-06-01T18:14:00Z'))).toMatchObject({ kind: 'post', localDate: '2024-06-01' });
		expect(decide(kathmandu, at('2024-06-01T18:15:00Z'))).toMatchObject({ kind: 'skip', missedDate: '2024-06-01' });
	});

	test('Given St John’s, then the local day ends at 03:30Z', () => {
		const stJohns = { time: '21:00', timeZone: 'America/St_Johns', nextDueAt: at('2024-01-16T00:30:00Z') };
		expect(decide(stJohns, at('2024-01-16T03:29:00Z'))).toMatchObject({ kind: 'post', localDate: '2024-01-15' });
		expect(decide(stJohns, at('2024-01-16T03:30:00Z'))).toMatchObject({ kind: 'skip', missedDate: '2024-01-15' });
	});

	test('Given 01:30 on the New York fall-back day, then one post at the first 01:30 and the second 01:30 waits', () => {
		const daily = { time: '01:30', timeZone: 'America/New_York' };
		const firstDue = at('2024-11-03T05:30:00Z');
		const decision = decide({ ...daily, nextDueAt: firstDue }, firstDue);
		expect(decision).toMatchObject({ kind: 'post', localDate: '2024-11-03' });
		const after = nextDueAfter(daily, firstDue, () => false, '2024-11-03');
		expect(decide({ ...daily, nextDueAt: after }, at('2024-11-03T06:30:00Z'))).toEqual({ kind: 'wait' });
		expect(after.toISOString()).toBe('2024-11-04T06:30:00.000Z');
	});

	test('Given the spring-forward day in New York and 02:30, then the post is due at 03:30 EDT and not before', () => {
		const due = { time: '02:30', timeZone: 'America/New_York', nextDueAt: at('2024-03-10T07:30:00Z') };
		expect(decide(due, at('2024-03-10T07:29:00Z'))).toEqual({ kind: 'wait' });
		expect(decide(due, at('2024-03-10T07:30:00Z'))).toMatchObject({
			kind: 'post',
			localDate: '2024-03-10',
			lateByMs: 0,
		});
	});
});

describe('weekly rhythms', () => {
	// Bits by day of the week, 0 = Sunday.
	const WEEKEND = 0b100_0001;
	const FRIDAY = 1 << 5;
	const on = (time: string, timeZone: string, days: number, after: string) =>
		nextDueAt({ time, timeZone, days, after: at(after) }).toISOString();

	test('Given weekdays at 09:00 in New York, then Friday’s post is followed by Monday’s, across the spring-forward weekend', () => {
		// Friday 2024-03-08 09:00 EST; clocks go forward on Sunday the 10th.
		expect(on('09:00', 'America/New_York', WEEKDAYS, '2024-03-08T13:00:00Z')).toBe('2024-03-08T14:00:00.000Z');
		expect(on('09:00', 'America/New_York', WEEKDAYS, '2024-03-08T14:00:00Z')).toBe('2024-03-11T13:00:00.000Z');
	});

	test('Given weekdays and the bot down from Friday’s time until Saturday, then Friday is skipped and Saturday never posted: Monday is next', () => {
		const friday = {
			time: '09:00',
			timeZone: 'America/New_York',
			days: WEEKDAYS,
			nextDueAt: at('2024-03-08T14:00:00Z'),
		};
		expect(decide(friday, at('2024-03-08T20:00:00Z'))).toMatchObject({ kind: 'post', localDate: '2024-03-08' });
		expect(decide(friday, at('2024-03-09T15:00:00Z'))).toEqual({
			kind: 'skip',
			missedDate: '2024-03-08',
			nextDueAt: at('2024-03-11T13:00:00Z'),
		});
	});

	test('Given weekends at 02:30 in New York, then Sunday’s 02:30 that does not exist is 03:30 EDT, and the next is Saturday', () => {
		expect(on('02:30', 'America/New_York', WEEKEND, '2024-03-09T08:00:00Z')).toBe('2024-03-10T07:30:00.000Z');
		expect(on('02:30', 'America/New_York', WEEKEND, '2024-03-10T07:30:00Z')).toBe('2024-03-16T06:30:00.000Z');
	});

	test('Given weekends at 01:30 in New York on the fall-back Sunday, then only the first 01:30 counts, and then next Saturday', () => {
		const sunday = {
			time: '01:30',
			timeZone: 'America/New_York',
			days: WEEKEND,
			nextDueAt: at('2024-11-03T05:30:00Z'),
		};
		expect(decide(sunday, at('2024-11-03T05:30:00Z'))).toMatchObject({ kind: 'post', localDate: '2024-11-03' });
		expect(nextDueAfter(sunday, at('2024-11-03T05:30:00Z'), () => false, '2024-11-03').toISOString()).toBe(
			'2024-11-09T06:30:00.000Z',
		);
	});

	test('Given weekends at 08:00 in Kiritimati (+14), then Saturday’s post is on Friday in UTC, and late-same-day ends at 10:00Z', () => {
		expect(on('08:00', 'Pacific/Kiritimati', WEEKEND, '2025-05-16T00:00:00Z')).toBe('2025-05-16T18:00:00.000Z');
		const saturday = {
			time: '08:00',
			timeZone: 'Pacific/Kiritimati',
			days: WEEKEND,
			nextDueAt: at('2025-05-16T18:00:00Z'),
		};
		expect(decide(saturday, at('2025-05-16T18:00:00Z'))).toMatchObject({ kind: 'post', localDate: '2025-05-17' });
		expect(decide(saturday, at('2025-05-17T09:59:00Z'))).toMatchObject({ kind: 'post', localDate: '2025-05-17' });
		// Past Saturday midnight there: Saturday is skipped, Sunday's 08:00 is next, then the following Saturday.
		expect(decide(saturday, at('2025-05-17T10:00:00Z'))).toEqual({
			kind: 'skip',
			missedDate: '2025-05-17',
			nextDueAt: at('2025-05-17T18:00:00Z'),
		});
		expect(on('08:00', 'Pacific/Kiritimati', WEEKEND, '2025-05-17T18:00:00Z')).toBe('2025-05-23T18:00:00.000Z');
	});

	test('Given Fridays in Samoa, then the Friday it skipped crossing the date line (2011-12-30) is not posted: the next is a week later', () => {
		expect(on('09:00', 'Pacific/Apia', FRIDAY, '2011-12-23T19:00:00Z')).toBe('2012-01-05T19:00:00.000Z');
	});

	test('Given weekends in Seoul and the bot down from before Saturday’s 09:00 until after Saturday midnight, then Saturday is skipped and Sunday posts', () => {
		const saturday = { time: '09:00', timeZone: 'Asia/Seoul', days: WEEKEND, nextDueAt: at('2024-03-09T00:00:00Z') };
		expect(decide(saturday, at('2024-03-09T15:30:00Z'))).toEqual({
			kind: 'skip',
			missedDate: '2024-03-09',
			nextDueAt: at('2024-03-10T00:00:00Z'),
		});
	});
});

describe('parseDays', () => {
	test.each([
		['daily', 0b111_1111],
		['Weekdays', 0b011_1110],
		['weekends', 0b100_0001],
		['sat,sun', 0b100_0001],
		['Mon, Wed  Fri', 0b010_1010],
		['mon-fri', 0b011_1110],
		['fri-mon', 0b110_0011],
		['토,일', 0b100_0001],
		['월-금', 0b011_1110],
	])('Given %j, then the days are %i', (input, days) => {
		expect(parseDays(input)).toEqual({ days });
	});

	test.each([
		['mon,funday', 'funday'],
		['', ''],
		['mon-fri-sat', 'mon-fri-sat'],
	])('Given %j, then %j is named as not a day', (input, unknown) => {
		expect(parseDays(input)).toEqual({ unknown });
	});

	test('Given days, then they read as an admin would write them, Monday first', () => {
		expect(formatDays(0b111_1111, 'en')).toBe('every day');
		expect(formatDays(0b011_1110, 'ko')).toBe('평일');
		expect(formatDays(0b100_0010, 'en')).toBe('Mon, Sat');
		expect(formatDays(0b000_0101, 'ko')).toBe('화·일');
	});
});

describe('nextDueAfter', () => {
	const daily = { time: '21:00', timeZone: 'Asia/Seoul' };

	test('Given today already has a post, then a schedule moved to later today starts tomorrow', () => {
		const now = at('2024-03-10T05:00:00Z');
		expect(nextDueAfter(daily, now).toISOString()).toBe('2024-03-10T12:00:00.000Z');
		expect(nextDueAfter(daily, now, (date) => date === '2024-03-10').toISOString()).toBe('2024-03-11T12:00:00.000Z');
	});
});

describe('reflectionNonce', () => {
	test('Given a guild, channel and date, then the nonce is stable, fits Discord’s 25 characters and differs per day and channel', () => {
		const guildId = '12345678901234567890';
		const channelId = '12345678901234567891';
		const nonce = reflectionNonce(guildId, channelId, '2024-03-10');
		expect(nonce).toBe(reflectionNonce(guildId, channelId, '2024-03-10'));
		expect(nonce.length).toBeLessThanOrEqual(25);
		expect(nonce).not.toBe(reflectionNonce(guildId, channelId, '2024-03-11'));
		expect(nonce).not.toBe(reflectionNonce('1234567890123456789', channelId, '2024-03-10'));
		expect(nonce).not.toBe(reflectionNonce(guildId, '1234567890123456789', '2024-03-10'));
	});
});
