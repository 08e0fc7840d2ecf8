import { describe, expect, test } from 'vitest';
import { ConfigError } from '../src/config.js';
import { GLOBAL_LIMIT, GLOBAL_WINDOW_MS, SlidingWindow, loadProxyAddress } from '../src/proxy.js';

describe('the REST proxy', () => {
	test('Given nothing set, then it listens on 127.0.0.1:8080, this host only', () => {
		expect(loadProxyAddress({})).toEqual({ host: '127.0.0.1', port: 8080 });
		expect(loadProxyAddress({ PROXY_HOST: '0.0.0.0', PROXY_PORT: '9000' })).toEqual({ host: '0.0.0.0', port: 9000 });
	});

	test('Given a PROXY_PORT that is no port, then one line says so', () => {
		expect(() => loadProxyAddress({ PROXY_PORT: 'http' })).toThrow(ConfigError);
		expect(() => loadProxyAddress({ PROXY_PORT: '70000' })).toThrow(
			/^Configuration problem: PROXY_PORT must be a port/,
		);
	});

	test('Given a burst, then 50 go at once and the next waits until the first is 1.25 s old', () => {
		const window = new SlidingWindow(GLOBAL_LIMIT, GLOBAL_WINDOW_MS);
		const burst = Array.from({ length: GLOBAL_LIMIT }, () => window.take(0));
		expect(burst).toEqual(burst.map(() => 0));
		expect(window.take(0)).toBe(1_250);
		expect(window.take(1_249)).toBe(1);
		expect(window.take(1_250)).toBe(0);
	});

	test('Given requests spread over the seconds, then no 1.25 s ever holds more than 50, wherever its seconds begin', () => {
		const window = new SlidingWindow(GLOBAL_LIMIT, GLOBAL_WINDOW_MS);
		const sent: number[] = [];
		// Two hosts' worth of demand: a request every 10 ms for five seconds, each sent as soon as the window lets it.
		for (let asked = 0, now = 0; now < 5_000; asked += 10) {
			now = Math.max(now, asked);
			const wait = window.take(now);
			if (wait > 0) {
				now += wait;
				expect(window.take(now)).toBe(0);
			}
			sent.push(now);
		}
		for (const [i, time] of sent.entries()) {
			expect(
				sent.filter((other) => other > time - GLOBAL_WINDOW_MS && other <= time).length,
				`at ${time} (${i})`,
			).toBeLessThanOrEqual(GLOBAL_LIMIT);
		}
		// Busy, it still keeps the rate close to Discord's: 50 per 1.25 s.
		expect(sent.length / ((sent.at(-1)! - sent[0]!) / 1000)).toBeGreaterThan(39);
	});
});
