import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { pickUnseen, RotationStore } from '../src/store/rotation.js';
import { seededRandom } from './support/context.js';

const POOL = ['a', 'b', 'c', 'd', 'e'];

describe('pickUnseen', () => {
	test('Given some items were seen, then only unseen ones are picked', () => {
		const random = seededRandom(7);
		for (let i = 0; i < 50; i++) {
			expect(['d', 'e']).toContain(pickUnseen(POOL, new Set(['a', 'b', 'c']), random)?.id);
		}
	});

	test('Given everything was seen, then a new round starts without repeating the last item', () => {
		const random = seededRandom(3);
		for (let i = 0; i < 50; i++) {
			const pick = pickUnseen(POOL, new Set(POOL), random, 'c');
			expect(pick?.newRound).toBe(true);
			expect(pick?.id).not.toBe('c');
		}
	});

	test('Given an empty pool, then nothing is picked', () => {
		expect(pickUnseen([], new Set(), Math.random)).toBeUndefined();
	});
});

describe('RotationStore', () => {
	test('Given a channel, then no item repeats until the whole pool was shown, and rounds continue after', () => {
		const store = new RotationStore(openDatabase(':memory:'));
		const random = seededRandom(11);
		const now = new Date('2025-05-14T00:00:00Z');
		const first = POOL.map(() => store.next('channel-1', 'quote:all', POOL, random, now));
		expect(new Set(first).size).toBe(POOL.length);
		const second = POOL.map(() => store.next('channel-1', 'quote:all', POOL, random, now));
		expect(new Set(second).size).toBe(POOL.length);
		expect(second[0]).not.toBe(first.at(-1));
	});

	test('Given two channels or two filters, then each keeps its own rotation', () => {
		const store = new RotationStore(openDatabase(':memory:'));
		const random = seededRandom(5);
		const now = new Date('2025-05-14T00:00:00Z');
		for (let i = 0; i < 4; i++) store.next('channel-1', 'quote:all', POOL, random, now);
		const elsewhere = POOL.map(() => store.next('channel-2', 'quote:all', POOL, random, now));
		const otherFilter = POOL.map(() => store.next('channel-1', 'quote:love', POOL, random, now));
		expect(new Set(elsewhere).size).toBe(POOL.length);
		expect(new Set(otherFilter).size).toBe(POOL.length);
	});

	test('Given the database is reopened, then the rotation carries on where it was', () => {
		const path = join(mkdtempSync(join(tmpdir(), 'hfc-rotation-')), 'bot.sqlite');
		const random = seededRandom(9);
		const now = new Date('2025-05-14T00:00:00Z');
		const db = openDatabase(path);
		const before = [0, 1, 2].map(() => new RotationStore(db).next('c', 'p', POOL, random, now));
		db.close();
		const reopened = openDatabase(path);
		const after = [0, 1].map(() => new RotationStore(reopened).next('c', 'p', POOL, random, now));
		reopened.close();
		expect(new Set([...before, ...after]).size).toBe(POOL.length);
	});
});
