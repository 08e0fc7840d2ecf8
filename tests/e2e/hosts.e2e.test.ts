/**
 * The bot split over two hosts, as README "Running on several machines" sets it up: two processes of
 * `npm start` with `SHARD_COUNT=2` and `SHARDS=[0]` / `SHARDS=[1]`, both with `DISCORD_API_URL` at one
 * `npm run proxy` in front of the fake Discord, and one PostgreSQL database (the suite's real server). Discord's global limit (50 requests
 * a second) is on; one host is SIGKILLed mid-way through a fan-out and mid-way through a watch-party beat.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/dataset/load.js';
import { sortedBeats } from '../../src/watchparty/timeline.js';
import type { FakeDiscord, Json, RecordedRequest } from '../fake-discord/index.js';
import { createPostgresDatabase, openSharedDatabase } from '../support/databases.js';
import {
	TOKEN,
	embedText,
	eventually,
	expectClean,
	hold,
	runNode,
	scheduleDueNow,
	spawnBot,
	spawnScript,
	startClub,
	use,
	type Club,
	type SpawnedBot,
	type SpawnedScript,
} from './harness.js';

// ---- The test's only database access: both hosts share one PostgreSQL database, as several machines would. ----

/** A claim the killed host left is past its lease (40 s) a minute on: these guilds' claims, a minute older. */
async function ageClaims(database: string, guildIds: readonly string[]): Promise<void> {
	const db = await openSharedDatabase({ url: database });
	await db
		.updateTable('reflection_posts')
		.set((eb) => ({ claimed_at: eb('claimed_at', '-', 60_000), first_claimed_at: eb('first_claimed_at', '-', 60_000) }))
		.where('status', '=', 'claimed')
		.where('guild_id', 'in', guildIds)
		.execute();
}

/** Daily posts the hosts have recorded as sent (a host's own log may lose its last lines to a SIGKILL). */
async function sentPosts(database: string): Promise<number> {
	const db = await openSharedDatabase({ url: database });
	const { sent } = await db
		.selectFrom('reflection_posts')
		.select((eb) => eb.fn.countAll<number>().as('sent'))
		.where('status', '=', 'sent')
		.executeTakeFirstOrThrow();
	return Number(sent);
}

// ---- The two hosts -------------------------------------------------------------------------------------------

const SHARD_COUNT = 2;
const SERVERS = 200;
/** Discord's global limit for a bot, which the fake enforces like Discord. */
const GLOBAL_LIMIT = 50;
const BEATS = sortedBeats(loadDataset().watchParty);

/**
 * A guild id that Discord's formula `(id >> 22) % shardCount` puts on `shard` (as tests/e2e/sharding.e2e.test.ts
 * does): the fake would otherwise mint ids from the clock, and ids minted in one millisecond share a shard.
 */
function guildIdOnShard(shard: number, serial: number): string {
	const timestamp = BigInt(1_000_000 * SHARD_COUNT + serial * SHARD_COUNT + shard);
	return ((timestamp << 22n) | BigInt(serial)).toString();
}

interface Setup {
	club: Club;
	proxy: SpawnedScript;
	proxyUrl: string;
	/** the hosts' one PostgreSQL database (a postgres:// URL) */
	database: string;
	/** the reflection servers of each shard: [guild id, #general] */
	servers: { guildId: string; channelId: string }[][];
	/** a server on shard 0, for the watch party */
	partyGuild: { id: string; general: string };
	hosts: SpawnedBot[];
}

let setup: Setup | undefined;
/** every process this file started, killed ones included: stopped after it, and read for the token */
const spawned: SpawnedScript[] = [];
const running = (): Setup => {
	if (!setup) throw new Error('the hosts start in beforeAll');
	return setup;
};

function startHost(shard: number): SpawnedBot {
	const { club, proxyUrl, database } = running();
	const host = spawnBot(club, {
		databasePath: '',
		env: { DATABASE_URL: database, DISCORD_API_URL: proxyUrl, SHARD_COUNT: String(SHARD_COUNT), SHARDS: `[${shard}]` },
	});
	spawned.push(host);
	return host;
}

beforeAll(async () => {
	const club = await startClub();
	club.fake.setGlobalRateLimit(GLOBAL_LIMIT);
	const servers = Array.from({ length: SHARD_COUNT }, (_, shard) =>
		Array.from({ length: SERVERS / SHARD_COUNT }, (_, i) => {
			const serial = i * SHARD_COUNT + shard;
			const guild = club.fake.addGuild({ id: guildIdOnShard(shard, serial), name: `club ${serial}` });
			return { guildId: guild.id, channelId: club.fake.general(guild.id) };
		}),
	);
	const party = club.fake.addGuild({ id: guildIdOnShard(0, SERVERS), name: 'party club', preferredLocale: 'en-US' });
	const proxy = spawnScript('scripts/proxy.ts', {
		DISCORD_TOKEN: TOKEN,
		DISCORD_API_URL: club.fake.api,
		PROXY_PORT: '0',
		LOG_LEVEL: 'info',
	});
	spawned.push(proxy);
	const listening = await proxy.waitForLog((record) => record.msg === 'REST proxy listening', 'the proxy to listen');
	setup = {
		club,
		proxy,
		// A bare origin, as an operator writes it: the bot adds the /api that @discordjs/proxy serves under.
		proxyUrl: `http://127.0.0.1:${Number(listening.port)}`,
		database: (await createPostgresDatabase()).url,
		servers,
		partyGuild: { id: party.id, general: club.fake.general(party.id) },
		hosts: [],
	};
	setup.hosts = [startHost(0), startHost(1)];
	await Promise.all(setup.hosts.map((host) => host.ready));
}, 90_000); // the proxy and two hosts start (tsx compiles each; up to 30 s on a loaded machine)

afterAll(async () => {
	for (const child of spawned) await child.kill('SIGKILL');
	await setup?.club.fake.close();
});

const postPath = (channelId: string) => `/channels/${channelId}/messages`;
const isPost = (request: RecordedRequest, channelIds: ReadonlySet<string>) =>
	request.method === 'POST' && [...channelIds].some((channelId) => request.path === postPath(channelId));
/** Messages per channel, in one pass (the waits below check it on every request). */
function postsPerChannel(fake: FakeDiscord): Map<string, number> {
	const counts = new Map<string, number>();
	for (const message of fake.world.messages.values()) {
		if (!message.deleted) counts.set(message.channelId, (counts.get(message.channelId) ?? 0) + 1);
	}
	return counts;
}
const postedIn = (fake: FakeDiscord, channels: readonly { channelId: string }[]) => {
	const counts = postsPerChannel(fake);
	return channels.filter((channel) => counts.has(channel.channelId)).length;
};
const bodyOf = (request: RecordedRequest) => (request.body ?? {}) as Json;
const beatId = (message: Json) => String(message.embeds?.[0]?.footer?.text);
const isBeat = (message: Json) => BEATS.some((beat) => beat.id === beatId(message));
const beatsIn = (fake: FakeDiscord, threadId: string) => fake.messages(threadId).filter(isBeat);

/**
 * Discord holds the next beat posted in `threadId` until `release()`; other posts there go through. The proxy
 * sends one channel's posts one after another, so each one held is let go, and the next held, until the beat.
 */
async function holdBeat(fake: FakeDiscord, threadId: string): Promise<{ request: RecordedRequest; release(): void }> {
	const passed = new Set<RecordedRequest>();
	for (;;) {
		const held = hold(fake, { method: 'POST', path: postPath(threadId) });
		const request = await fake.waitUntil(
			() => [...fake.held].find((candidate) => candidate.path === postPath(threadId) && !passed.has(candidate)),
			{ what: 'a post in the party thread' },
		);
		if (isBeat(bodyOf(request))) return { request, release: held.release };
		passed.add(request);
		fake.clearFaults();
		held.release();
	}
}

const postedLogs = (host: SpawnedBot) => host.logs().filter((record) => record.msg === 'daily reflection posted');

describe('two hosts, one REST proxy, one database', () => {
	test('Given 200 servers due at once and one host SIGKILLed mid-fan-out, then after its restart every server has exactly one post, and Discord saw both hosts together within 50 requests a second', async () => {
		const { club, servers, database, hosts } = running();
		const { fake } = club;
		const channelsOf = servers.map((shard) => new Set(shard.map((server) => server.channelId)));

		// Discord holds the first posts until both hosts have one under way, so their fan-outs run side by side.
		const gate = hold(fake, { method: 'POST', path: '/channels/:channel/messages' });
		await scheduleDueNow(database, servers.flat());
		await fake.waitUntil(
			() => channelsOf.every((channels) => [...fake.held].some((request) => isPost(request, channels))),
			{ what: 'both hosts to post', timeoutMs: 20_000 },
		);
		fake.clearFaults();
		gate.release();

		// Mid-fan-out: once shard 0 has 40 posts, Discord holds the rest of its host's posts; it is killed with them under way.
		const [shard0] = servers as [Setup['servers'][number]];
		await fake.waitUntil(() => postedIn(fake, shard0) >= 40, { what: '40 posts on shard 0', timeoutMs: 20_000 });
		const caught = hold(fake, {
			method: 'POST',
			path: new RegExp(`^/channels/(${[...channelsOf[0]!].join('|')})/messages$`),
		});
		await fake.waitUntil(() => [...fake.held].some((request) => isPost(request, channelsOf[0]!)), {
			what: 'a post of shard 0 under way',
		});
		const first = hosts[0]!;
		expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
		// Discord still takes what the killed host had sent: it never hears that those posts went out.
		fake.clearFaults();
		caught.release();
		expect(postedLogs(first).length).toBeLessThan(SERVERS / SHARD_COUNT);

		await ageClaims(
			database,
			shard0.map((server) => server.guildId),
		);
		hosts[0] = startHost(0);
		await hosts[0].ready;

		await fake.waitUntil(() => postedIn(fake, servers.flat()) === SERVERS, { what: 'every post', timeoutMs: 30_000 });
		// Done when every post is recorded as sent: nothing is left that could post again.
		await eventually(async () => (await sentPosts(database)) === SERVERS, 'every post recorded as sent');
		const counts = servers.flat().map((server) => fake.messages(server.channelId).length);
		expect(counts).toEqual(counts.map(() => 1));
		// The restarted host found the posts its predecessor had under way instead of sending them again.
		expect(postedLogs(hosts[0]).some((record) => record.retry === true)).toBe(true);
		// Counted as the requests came. (The fake's limiter counts a held one when let go, so the test's own holds
		// may draw a 429 from it, which the proxy passes on for the host to wait out.)
		expect(fake.peakRequestsPerSecond, 'the most requests Discord saw in one second').toBeLessThanOrEqual(GLOBAL_LIMIT);
		expectClean(club);
	}, 90_000);

	test('Given a watch party on a host SIGKILLed while a beat is under way, then after its restart the party carries on and each beat is in its thread once', async () => {
		const { club, partyGuild, hosts } = running();
		const { fake } = club;
		const user = club.users.en;
		const party = (subcommand: string, channelId: string) =>
			use(club, { kind: 'command', name: 'her-watchparty', subcommand, guildId: partyGuild.id, channelId, user });

		const started = await party('start', partyGuild.general);
		const answer = String((await fake.reply(started.id)).content);
		const [thread] = fake.threads(partyGuild.general);
		const threadId = String(thread?.id);
		expect(answer).toBe(`Your watch party is set up in <#${threadId}>.`);

		// "Next" during the countdown: the film starts now, at the first beat, which Discord holds; the host dies.
		const beatHeld = holdBeat(fake, threadId);
		await party('next', threadId);
		const first = await beatHeld;
		expect((await hosts[0]!.kill('SIGKILL')).signal).toBe('SIGKILL');
		fake.clearFaults();
		first.release();
		await fake.waitUntil(() => beatsIn(fake, threadId).length === 1, { what: 'Discord to post the first beat' });

		hosts[0] = startHost(0);
		await hosts[0].ready;
		await party('next', threadId);
		await fake.waitUntil(() => beatsIn(fake, threadId).length === 2, { what: 'the second beat' });
		const ended = await party('end', threadId);
		expect((await fake.reply(ended.id)).content).toBe('The watch party has ended; the wrap-up is in the thread.');

		expect(beatsIn(fake, threadId).map(beatId)).toEqual([BEATS[0]!.id, BEATS[1]!.id]);
		// The restarted host sent the first beat again with its nonce, and Discord kept the one it had.
		const { nonce } = bodyOf(first.request);
		const tries = fake.requests.filter(
			(request) => request.path === postPath(threadId) && bodyOf(request).nonce === nonce,
		);
		expect(tries.length).toBeGreaterThanOrEqual(2);
		const summary = embedText(fake.messages(threadId).at(-1)?.embeds?.[1] as Json | undefined);
		expect(summary).toContain(`Beats posted: 2 of ${BEATS.length}`);
		expect(summary).not.toContain('lost');
		expectClean(club);
	}, 90_000);

	test('Given SIGTERM, then both hosts and the proxy stop cleanly, and no log line of any of them holds the token', async () => {
		const { club, hosts, proxy } = running();
		for (const host of hosts) expect((await host.kill('SIGTERM')).code).toBe(0);
		const stopped = await proxy.kill('SIGTERM');
		expect(stopped.code).toBe(0);
		expect(stopped.stderr).toBe('');
		for (const { stdout, stderr } of await Promise.all(spawned.map((child) => child.exited))) {
			expect(stdout + stderr).not.toContain(TOKEN);
		}
		expectClean(club);
	}, 90_000);
});

describe('a host given the wrong shards', () => {
	test('Given SHARDS=[2] with SHARD_COUNT=2, then npm start stops before it connects, with one line that says how to fix it', async () => {
		const { club, database } = running();
		const result = await runNode('src/index.ts', [], {
			DISCORD_TOKEN: TOKEN,
			DISCORD_API_URL: club.fake.api,
			DATABASE_URL: database,
			SHARD_COUNT: '2',
			SHARDS: '[2]',
		});
		expect(result.code).toBe(1);
		expect(result.stderr.trim().split('\n')).toEqual([
			expect.stringContaining('SHARDS=[2] is outside SHARD_COUNT=2: shard ids run from 0 to 1'),
		]);
		expect(result.stdout).toBe('');
	});
});
