import { pino } from 'pino';
import type { Config } from '../../src/config.js';
import type { BotContext } from '../../src/context.js';
import { loadDataset } from '../../src/dataset/load.js';
import { GuildDirectory } from '../../src/guilds.js';
import type { DatabaseKind, DatabaseLocation } from '../../src/store/database.js';
import { RotationStore } from '../../src/store/rotation.js';
import { DatabaseOutage } from '../../src/store/outage.js';
import { SettingsStore } from '../../src/store/settings.js';
import { openSharedDatabase, openTestDatabase } from './databases.js';

/** A deterministic random source (mulberry32), so a test can name the item it expects. */
export function seededRandom(seed = 1): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Where a test context's clock (and, unless told otherwise, TestDiscord's) starts. */
export const DEFAULT_START = '2025-05-14T03:00:00Z';

export class TestClock {
	private current: number;

	public constructor(start: Date | string) {
		this.current = new Date(start).getTime();
	}

	public readonly now = (): Date => new Date(this.current);

	public set(to: Date | string): void {
		this.current = new Date(to).getTime();
	}

	public advance(ms: number): void {
		this.current += ms;
	}
}

export const testConfig: Config = Object.freeze({
	token: 'MTAwMDAwMDAwMDAwMDAwMDAx.test.token-for-tests-only',
	applicationId: '100000000000000001',
	guildId: '200000000000000001',
	apiUrl: 'http://127.0.0.1:1/api',
	databasePath: ':memory:',
	logLevel: 'silent',
	autoShard: true,
});

/**
 * A BotContext on a fresh database (in-memory SQLite unless told `kind`, or one `shared` with other contexts)
 * with the real schema and dataset, a movable clock and seeded random. Closed after the test.
 */
export async function createTestContext(
	options: { start?: string; seed?: number; kind?: DatabaseKind; shared?: DatabaseLocation } = {},
) {
	const clock = new TestClock(options.start ?? DEFAULT_START);
	const db = options.shared
		? await openSharedDatabase(options.shared)
		: await openTestDatabase(options.kind ?? 'sqlite');
	const logger = pino({ level: 'silent' });
	const ctx: BotContext = {
		config: testConfig,
		logger,
		db,
		outage: new DatabaseOutage(logger),
		dataset: loadDataset(),
		guilds: new GuildDirectory(),
		settings: new SettingsStore(db),
		rotation: new RotationStore(db),
		now: clock.now,
		random: seededRandom(options.seed),
	};
	return { ctx, clock, db };
}
