import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShardingManager } from 'discord.js';
import { afterAll, describe, expect, test } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../fake-discord/index.js';
import { ROOT, TOKEN, scheduleDueNow, tempDatabase } from './harness.js';

const GUILDS = 6;
const SHARD_COUNT = 2;

/**
 * A guild id that Discord's formula `(id >> 22) % shardCount` puts on `shard`. The fake would otherwise mint
 * ids from the clock, and ids minted in the same millisecond all land on one shard.
 */
function guildIdOnShard(shard: number, serial: number): string {
	const timestamp = BigInt(1_000_000 * SHARD_COUNT + serial * SHARD_COUNT + shard);
	return ((timestamp << 22n) | BigInt(serial)).toString();
}

let fake: FakeDiscord | undefined;
let manager: ShardingManager | undefined;
afterAll(async () => {
	for (const shard of manager?.shards.values() ?? []) shard.kill();
	await fake?.close();
});

describe('two processes under a discord.js ShardingManager, sharing one database', () => {
	test('Given daily prompts due in servers on both shards, then each server is served by one shard and gets exactly one post', async () => {
		fake = await startFakeDiscord();
		const guilds = Array.from({ length: GUILDS }, (_, i) =>
			fake!.addGuild({ id: guildIdOnShard(i % SHARD_COUNT, i), name: `club ${i}` }),
		);

		// Every server's daily prompt is due right now (the bot was, say, down at the time).
		const databasePath = tempDatabase();
		await scheduleDueNow(
			databasePath,
			guilds.map((guild) => ({ guildId: guild.id, channelId: fake!.general(guild.id) })),
		);

		// The manager passes its own environment on to each process, as an operator's would.
		Object.assign(process.env, { DISCORD_API_URL: fake.api, DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' });
		manager = new ShardingManager(join(ROOT, 'src/index.ts'), {
			token: TOKEN,
			totalShards: SHARD_COUNT,
			mode: 'process',
			execArgv: [
				'--disable-warning=UnsupportedCacheOverwriteWarning',
				'--import',
				pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
			],
		});
		await manager.spawn({ timeout: 30_000 });

		const perShard = (await manager.fetchClientValues('guilds.cache.size')) as number[];
		expect(perShard).toEqual([GUILDS / SHARD_COUNT, GUILDS / SHARD_COUNT]);

		const posts = () => guilds.map((guild) => fake!.messages(fake!.general(guild.id)).length);
		await fake.waitUntil(() => (posts().every((count) => count >= 1) ? true : undefined), { timeoutMs: 20_000 });
		expect(posts()).toEqual(Array.from({ length: GUILDS }, () => 1));
		expect(fake.violations).toEqual([]);
		expect(fake.unexpected).toEqual([]);
	}, 90_000); // two bot processes start (up to 30 s each on a loaded machine), beyond the default 20 s
});
