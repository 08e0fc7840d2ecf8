import { describe, expect, test } from 'vitest';
import { SlidingWindow } from '../src/cooldown.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(START + ms);
const limit = { max: 5, windowMs: 60_000 };

/** `take` at each offset in turn; the verdicts, with refusals as the offset they may retry at. */
function takes(window: SlidingWindow, offsets: readonly number[], key = 'channel:member') {
	return offsets.map((offset) => {
		const verdict = window.take(key, at(offset));
		return verdict.allowed ? 'ok' : verdict.retryAt.getTime() - START;
	});
}

describe('a sliding window of 5 uses per 60 s', () => {
	test('Given five uses within a minute, then the sixth is refused until the first has slid out of the window', () => {
		const window = new SlidingWindow(limit);
		expect(takes(window, [0, 10_000, 20_000, 30_000, 40_000, 50_000])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 60_000]);
		expect(takes(window, [59_999, 60_000])).toEqual([60_000, 'ok']);
	});

	test('Given the window is full, then each later slot opens exactly a minute after the use it replaces', () => {
		const window = new SlidingWindow(limit);
		takes(window, [0, 10_000, 20_000, 30_000, 40_000]);
		expect(takes(window, [60_000, 65_000, 70_000])).toEqual(['ok', 70_000, 'ok']);
	});

	test('Given refused attempts, then they do not push the next allowed time further away', () => {
		const window = new SlidingWindow(limit);
		takes(window, [0, 1, 2, 3, 4]);
		expect(takes(window, [5, 30_000, 59_000])).toEqual([60_000, 60_000, 60_000]);
		expect(takes(window, [60_000])).toEqual(['ok']);
	});

	test('Given one member is at the limit, then another key (another member or channel) is not', () => {
		const window = new SlidingWindow(limit);
		takes(window, [0, 1, 2, 3, 4], 'general:theodore');
		expect(takes(window, [5], 'general:theodore')).toEqual([60_000]);
		expect(takes(window, [5], 'general:amy')).toEqual(['ok']);
		expect(takes(window, [5], 'watch-room:theodore')).toEqual(['ok']);
	});

	test('Given a quiet hour after a burst, then the member starts again with the whole allowance', () => {
		const window = new SlidingWindow(limit);
		takes(window, [0, 1, 2, 3, 4]);
		const hour = 60 * 60_000;
		expect(takes(window, [hour, hour + 1, hour + 2, hour + 3, hour + 4, hour + 5])).toEqual([
			'ok',
			'ok',
			'ok',
			'ok',
			'ok',
			hour + 60_000,
		]);
	});
});
