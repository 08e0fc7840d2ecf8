import { describe, expect, test } from 'vitest';
import {
	DATABASE_KINDS,
	createPostgresDatabase,
	openSharedDatabase,
	openTestDatabase,
	newDatabaseLocation,
} from './support/databases.js';
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

describe.each(DATABASE_KINDS)('RotationStore on %s', (kind) => {
	const now = new Date('2025-05-14T00:00:00Z');

	test('Given a channel, then no item repeats until the whole pool was shown, and rounds continue after', async () => {
		const store = new RotationStore(await openTestDatabase(kind));
		const random = seededRandom(11);
		const first = await picks(POOL.length, () => store.next('channel-1', 'quote:all', POOL, random, now));
		expect(new Set(first).size).toBe(POOL.length);
		const second = await picks(POOL.length, () => store.next('channel-1', 'quote:all', POOL, random, now));
		expect(new Set(second).size).toBe(POOL.length);
		expect(second[0]).not.toBe(first.at(-1));
	});

	test('Given two channels or two filters, then each keeps its own rotation', async () => {
		const store = new RotationStore(await openTestDatabase(kind));
		const random = seededRandom(5);
		await picks(4, () => store.next('channel-1', 'quote:all', POOL, random, now));
		const elsewhere = await picks(POOL.length, () => store.next('channel-2', 'quote:all', POOL, random, now));
		const otherFilter = await picks(POOL.length, () => store.next('channel-1', 'quote:love', POOL, random, now));
		expect(new Set(elsewhere).size).toBe(POOL.length);
		expect(new Set(otherFilter).size).toBe(POOL.length);
	});

	test('Given an item shown directly, then the rotation skips it this round, and it counts as the last one shown', async () => {
		const store = new RotationStore(await openTestDatabase(kind));
		const random = seededRandom(3);
		const rest = await picks(POOL.length - 1, () => store.next('c', 'p', POOL, random, now));
		await store.markSeen('c', 'p', rest[0]!, now);
		const last = await store.next('c', 'p', POOL, random, now);
		expect(new Set([...rest, last]).size).toBe(POOL.length);
		// A new round never opens with the item just shown.
		expect(await store.next('c', 'p', POOL, random, now)).not.toBe(last);
	});

	test('Given the bot restarts, then the rotation carries on where it was', async () => {
		const location = await newDatabaseLocation(kind);
		const random = seededRandom(9);
		const db = await openSharedDatabase(location);
		const before = await picks(3, () => new RotationStore(db).next('c', 'p', POOL, random, now));
		const restarted = await openSharedDatabase(location);
		const after = await picks(2, () => new RotationStore(restarted).next('c', 'p', POOL, random, now));
		expect(new Set([...before, ...after]).size).toBe(POOL.length);
	});
});

describe('RotationStore shared by several hosts', () => {
	test('Given members of one channel on two hosts clicking at once, then no item is shown twice in a round', async () => {
		const { url } = await createPostgresDatabase();
		const hosts = [await openSharedDatabase({ url }), await openSharedDatabase({ url })];
		const now = new Date('2025-05-14T00:00:00Z');
		// Each host asks for the next item, all at once; the pool has room for exactly that many.
		const shown = await Promise.all(
			POOL.map((_, i) => new RotationStore(hosts[i % 2]!).next('channel', 'quote:all', POOL, seededRandom(i + 1), now)),
		);
		expect(new Set(shown).size).toBe(POOL.length);
	});
});

describe('RotationStore on one SQLite file', () => {
	const now = new Date('2025-05-14T00:00:00Z');

	test('Given a job mid-transaction on the file, then a pick waits for its turn and both commit', async () => {
		const db = await openTestDatabase('sqlite');
		const store = new RotationStore(db);
		let begun!: () => void;
		let finish!: () => void;
		const started = new Promise<void>((resolve) => (begun = resolve));
		const held = new Promise<void>((resolve) => (finish = resolve));
		const job = db.transaction().execute(async (trx) => {
			await trx
				.insertInto('guild_settings')
				.values({ guild_id: 'guild', language: 'ko', updated_at: now.getTime() })
				.execute();
			begun();
			await held;
		});
		await started;
		const pick = store.next('channel', 'quote:all', POOL, seededRandom(1), now);
		finish();
		await job;
		expect(POOL).toContain(await pick);
		const settings = await db.selectFrom('guild_settings').select('language').execute();
		expect(settings).toEqual([{ language: 'ko' }]);
	});

	test('Given two processes taking turns in one channel, then each sees what the other showed and no item repeats in a round', async () => {
		const location = await newDatabaseLocation('sqlite');
		const stores = [
			new RotationStore(await openSharedDatabase(location)),
			new RotationStore(await openSharedDatabase(location)),
		];
		const random = seededRandom(5);
		const shown: (string | undefined)[] = [];
		for (let i = 0; i < POOL.length; i++) {
			shown.push(await stores[i % 2]!.next('channel', 'quote:all', POOL, random, now));
		}
		expect(new Set(shown).size).toBe(POOL.length);
	});

	test('Given two handles on the file clicking at once, then no item is shown twice in a round', async () => {
		const location = await newDatabaseLocation('sqlite');
		const handles = [await openSharedDatabase(location), await openSharedDatabase(location)];
		const shown = await Promise.all(
			POOL.map((_, i) =>
				new RotationStore(handles[i % 2]!).next('channel', 'quote:all', POOL, seededRandom(i + 1), now),
			),
		);
		expect(new Set(shown).size).toBe(POOL.length);
	});
});

/** `count` picks one after another (each pick reads what the one before it recorded). */
async function picks(count: number, pick: () => Promise<string | undefined>): Promise<(string | undefined)[]> {
	const shown: (string | undefined)[] = [];
	for (let i = 0; i < count; i++) shown.push(await pick());
	return shown;
}
