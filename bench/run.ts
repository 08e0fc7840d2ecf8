/**
 * `npm run bench`: the bot beside plain discord.js over the fake Discord of the end-to-end suite, in one
 * run. Prints one table and writes it, with the raw figures and the machine, to bench/results/latest.json.
 *
 * The fake runs in this process; every client runs in its own child (bench/worker.ts), so a memory
 * figure is that client alone and latency includes a real socket hop each way. 127.0.0.1 only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_SCHEDULES_PER_GUILD, ReflectionStore } from '../src/reflection/store.js';
import pg from 'pg';
import { locate, openDatabase, type DatabaseKind } from '../src/store/database.js';
import { startPostgresServer } from '../tests/support/postgres-server.js';
import { startFakeDiscord } from '../tests/fake-discord/index.js';
import type { FakeDiscord, GuildInit } from '../tests/fake-discord/index.js';
import { cardFigures } from './card.js';
import { MB, Worker, killWorkers, machine, percentile, round, table } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'her-bench-'));
let databases = 0;
/** The bench's own PostgreSQL server (started in main), for the PostgreSQL rows beside SQLite's. */
let postgres: Awaited<ReturnType<typeof startPostgresServer>> | undefined;

type Kind = DatabaseKind;

/** A new, empty database of `kind`: a SQLite file in the scratch folder, or a database on the bench's server. */
async function fresh(name: string, kind: Kind = 'sqlite'): Promise<string> {
	databases += 1;
	if (kind === 'sqlite') return join(scratch, `${name}-${databases}.sqlite`);
	const admin = new pg.Client({ connectionString: `${postgres!.url}/postgres` });
	await admin.connect();
	await admin.query(`CREATE DATABASE bench_${name}_${databases}`);
	await admin.end();
	return `${postgres!.url}/bench_${name}_${databases}`;
}

const open = (database: string) => openDatabase(locate(database));

// ---- interaction latency ----------------------------------------------------------------------------

const IN_FLIGHT = [1, 50, 200] as const;
/** Per level and round: interactions answered before measuring (JIT, caches), then measured. */
const LATENCY_RUNS: Record<(typeof IN_FLIGHT)[number], { warmup: number; measured: number }> = {
	1: { warmup: 50, measured: 200 },
	50: { warmup: 100, measured: 600 },
	200: { warmup: 200, measured: 1_200 },
};

/** `bot-postgres`: the bot with its state in PostgreSQL (`DATABASE_URL`) instead of SQLite. */
type LatencyClient = 'floor' | 'shell' | 'bot' | 'bot-postgres';
/**
 * The floor and the bot run twice, in mirrored order, and their rounds are pooled: on a shared machine the load
 * drifts over a run, and the client that always ran first (or last) would get the quieter or busier minute. The
 * shell, a diagnostic, runs once between them (keeping `npm run bench` under two minutes).
 */
const LATENCY_ROUNDS: readonly (readonly LatencyClient[])[] = [
	['floor', 'shell', 'bot'],
	['bot', 'bot-postgres', 'floor'],
];

interface LatencyFigures {
	inFlight: number;
	samples: number;
	medianMs: number;
	p99Ms: number;
	throughputPerSecond: number;
	failed: number;
	/** CPU the client process spent per interaction (all of the level, warm-up included). */
	clientCpuMsPerInteraction: number;
	/** CPU the fake (this process) spent per interaction: the same for both clients if the fake is fair. */
	fakeCpuMsPerInteraction: number;
}

/** One level of one round: the measured latencies, how long they took, and the CPU both sides spent. */
interface LoopRun {
	samples: number[];
	measuredSeconds: number;
	failed: number;
	count: number;
	clientCpuMs: number;
	fakeCpuMs: number;
}

/**
 * Keeps `inFlight` `/her-quote` interactions outstanding: each answer dispatches the next one. A sample
 * runs from the INTERACTION_CREATE leaving the fake's gateway to the callback arriving at its REST.
 */
function closedLoop(
	fake: FakeDiscord,
	targets: readonly { guildId: string; channelId: string }[],
	inFlight: number,
	{ warmup, measured }: { warmup: number; measured: number },
): Promise<Pick<LoopRun, 'samples' | 'measuredSeconds' | 'failed'>> {
	const total = warmup + measured;
	return new Promise((resolve, reject) => {
		const samples: number[] = [];
		let started = 0;
		let answered = 0;
		let failed = 0;
		let measuringSince = 0;
		const timer = setTimeout(
			() => reject(new Error(`latency at ${inFlight} in flight: only ${answered}/${total} answered within 120 s`)),
			120_000,
		);
		const launch = (): void => {
			const index = started++;
			const target = targets[index % targets.length]!;
			const { id } = fake.interact({ kind: 'command', name: 'her-quote', ...target });
			const dispatchedAt = performance.now();
			const state = fake.interactions.get(id)!;
			let callback: unknown;
			// The fake sets `callback` when the answer arrives; timing it here avoids its 1 ms clock.
			Object.defineProperty(state, 'callback', {
				configurable: true,
				enumerable: true,
				get: () => callback,
				set: (value: { type: number }) => {
					callback = value;
					if (value.type !== 4) failed++;
					if (index >= warmup) samples.push(performance.now() - dispatchedAt);
					answered++;
					if (answered === warmup) measuringSince = performance.now();
					if (answered === total) {
						clearTimeout(timer);
						resolve({ samples, measuredSeconds: (performance.now() - measuringSince) / 1000, failed });
					} else if (started < total) {
						setImmediate(launch);
					}
				},
			});
		};
		for (let i = 0; i < Math.min(inFlight, total); i++) launch();
	});
}

/** One client's rounds of a level, pooled. */
function pooled(inFlight: number, runs: readonly LoopRun[]): LatencyFigures {
	const samples = runs.flatMap((run) => run.samples);
	const sum = (key: 'measuredSeconds' | 'failed' | 'count' | 'clientCpuMs' | 'fakeCpuMs') =>
		runs.reduce((total, run) => total + run[key], 0);
	return {
		inFlight,
		samples: samples.length,
		medianMs: percentile(samples, 50),
		p99Ms: percentile(samples, 99),
		throughputPerSecond: samples.length / sum('measuredSeconds'),
		failed: sum('failed'),
		clientCpuMsPerInteraction: sum('clientCpuMs') / sum('count'),
		fakeCpuMsPerInteraction: sum('fakeCpuMs') / sum('count'),
	};
}

async function latency(): Promise<Record<LatencyClient, LatencyFigures[]>> {
	const fake = await startFakeDiscord({ interactionDeadlineMs: 3_000 });
	try {
		const guilds = fake.addGuilds(10, (i) => ({
			name: `latency ${i}`,
			channels: Array.from({ length: 5 }, (_, n) => ({ name: `talk-${n}` })),
		}));
		const targets = guilds.flatMap((guild) =>
			[...guild.channels.keys()].map((channelId) => ({ guildId: guild.id, channelId })),
		);
		const runs = new Map<string, LoopRun[]>();
		for (const round of LATENCY_ROUNDS) {
			for (const kind of round) {
				const onPostgres = kind === 'bot-postgres';
				const database = await fresh('latency', onPostgres ? 'postgres' : 'sqlite');
				const worker = Worker.start([onPostgres ? 'bot' : kind, fake.api, database]);
				try {
					await worker.next('ready', 60_000);
					for (const inFlight of IN_FLIGHT) {
						const levelRuns = LATENCY_RUNS[inFlight];
						worker.send({ type: 'usage' });
						const clientBefore = (await worker.next('usage', 10_000)).cpuMs;
						const fakeBefore = process.cpuUsage();
						const loop = await closedLoop(fake, targets, inFlight, levelRuns);
						const fakeUsed = process.cpuUsage(fakeBefore);
						worker.send({ type: 'usage' });
						const clientCpuMs = (await worker.next('usage', 10_000)).cpuMs - clientBefore;
						const key = `${kind}:${inFlight}`;
						runs.set(key, [
							...(runs.get(key) ?? []),
							{
								...loop,
								count: levelRuns.warmup + levelRuns.measured,
								clientCpuMs,
								fakeCpuMs: (fakeUsed.user + fakeUsed.system) / 1000,
							},
						]);
					}
				} finally {
					await worker.stop();
				}
			}
		}
		const figures = (kind: LatencyClient) =>
			IN_FLIGHT.map((inFlight) => pooled(inFlight, runs.get(`${kind}:${inFlight}`) ?? []));
		return {
			floor: figures('floor'),
			shell: figures('shell'),
			bot: figures('bot'),
			'bot-postgres': figures('bot-postgres'),
		};
	} finally {
		await fake.close();
	}
}

// ---- memory per guild ---------------------------------------------------------------------------------

const GUILD_COUNTS = [1, 1_000, 10_000] as const;

/** About what a small community server has: 20 channels (a category, text and voice) and 20 roles. */
function communityGuild(i: number): GuildInit {
	return {
		name: `community ${i}`,
		preferredLocale: i % 3 === 0 ? 'ko' : 'en-US',
		memberCount: 120,
		channels: [
			{ name: 'Text channels', type: 4 },
			{ name: 'announcements', denyEveryone: ['SendMessages'] },
			...Array.from({ length: 14 }, (_, n) => ({ name: `text-${n}` })),
			...Array.from({ length: 4 }, (_, n) => ({ name: `voice-${n}`, type: 2 })),
		],
		roles: Array.from({ length: 18 }, (_, n) => ({ name: `role-${n}`, permissions: n === 0 ? ['ManageGuild'] : [] })),
	};
}

type MemoryClient = 'bot' | 'default';

interface MemoryRow {
	guilds: number;
	kind: MemoryClient;
	rssMB: number;
	heapUsedMB: number;
	readySeconds: number;
}

async function memory(): Promise<MemoryRow[]> {
	const rows: MemoryRow[] = [];
	for (const count of GUILD_COUNTS) {
		const fake = await startFakeDiscord();
		try {
			fake.addGuilds(count, communityGuild);
			for (const kind of ['default', 'bot'] as const) {
				const worker = Worker.start([kind, fake.api, await fresh('memory')]);
				try {
					const ready = await worker.next('ready', 180_000);
					if (ready.guilds !== count) throw new Error(`${kind} saw ${ready.guilds} guilds, expected ${count}`);
					rows.push({
						guilds: count,
						kind,
						rssMB: ready.memory.rss / MB,
						heapUsedMB: ready.memory.heapUsed / MB,
						readySeconds: ready.readyMs / 1000,
					});
				} finally {
					await worker.stop();
				}
			}
		} finally {
			await fake.close();
		}
	}
	return rows;
}

// ---- daily fan-out ------------------------------------------------------------------------------------

const FANOUT_SERVERS = 400;
const DISCORD_GLOBAL_LIMIT = 50;
const SEOUL_OFFSET_MS = 9 * 3_600_000;

/** `HH:MM` in Asia/Seoul (no DST) a little after `at`, so a schedule saved at `at` is due then. */
function seoulTimeAfter(at: Date, minutes: number): string {
	const local = new Date(at.getTime() + SEOUL_OFFSET_MS + minutes * 60_000);
	return `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
}

/** A daily Asia/Seoul schedule per server, saved at `savedAt` as `/her-reflection schedule` would (no role, no thread). */
async function saveSeoulSchedules(
	store: ReflectionStore,
	schedules: readonly { guildId: string; channelId: string; time: string }[],
	savedAt: Date,
): Promise<void> {
	for (const schedule of schedules) {
		await store.save({ ...schedule, timeZone: 'Asia/Seoul', roleId: null, thread: false, updatedBy: 'bench' }, savedAt);
	}
}

interface FanoutFigures {
	database: Kind;
	servers: number;
	/** daily reflections per server, each in its own channel */
	schedulesPerServer: number;
	posted: number;
	seconds: number;
	requestsPerSecond: number;
	ceiling: number;
	rateLimited: number;
	lost: number;
	duplicated: number;
	messageRequests: number;
	/** successful posts in each second from the first attempt */
	postsPerSecond: number[];
}

/** Servers with `perServer` text channels each, and a daily reflection's key for every channel. */
function serversWithChannels(fake: FakeDiscord, servers: number, perServer: number, name: string) {
	const channels = Array.from({ length: perServer }, (_, i) => ({ name: i === 0 ? 'general' : `daily-${i}` }));
	const guilds = fake.addGuilds(servers, (i) => ({ name: `${name} ${i}`, preferredLocale: 'ko', channels }));
	const keys = guilds.flatMap((guild) =>
		[...guild.channels.values()].map((channel) => ({ guildId: guild.id, channelId: channel.id })),
	);
	return { guilds, keys };
}

/** The same 500 posts due at once, from 500 servers with one schedule or from fewer servers with several. */
async function fanout(perServer = 1, kind: Kind = 'sqlite'): Promise<FanoutFigures> {
	const fake = await startFakeDiscord();
	const database = await fresh('fanout', kind);
	try {
		const { guilds, keys } = serversWithChannels(fake, FANOUT_SERVERS / perServer, perServer, 'daily');
		const channels = keys.map((key) => key.channelId);
		const savedAt = new Date();
		const time = seoulTimeAfter(savedAt, 120);
		const db = await open(database);
		const store = new ReflectionStore(db);
		await saveSeoulSchedules(
			store,
			keys.map((key) => ({ ...key, time })),
			savedAt,
		);
		const dueAt = (await store.get(guilds[0]!.id))!.nextDueAt.getTime();
		await db.destroy();

		fake.setGlobalRateLimit(DISCORD_GLOBAL_LIMIT);
		const from = fake.requests.length;
		const isPost = (r: { method: string; route: string }) =>
			r.method === 'POST' && r.route === '/channels/:channel/messages';
		const posted = () => fake.requests.slice(from).filter((r) => isPost(r) && r.status === 200);
		// The bot's clock starts a second after the shared due time: every schedule is due at once.
		const worker = Worker.start(['bot', fake.api, database, String(dueAt - Date.now() + 1_000)]);
		try {
			await worker.next('ready', 60_000);
			await fake
				.waitUntil(() => posted().length >= FANOUT_SERVERS, { timeoutMs: 120_000, what: 'all daily posts' })
				.catch(() => undefined);
			// Anything sent twice would arrive right behind; give it a moment to show up.
			await new Promise((resolve) => setTimeout(resolve, 500));
		} finally {
			await worker.stop();
		}
		const ok = posted();
		const attempts = fake.requests.slice(from).filter(isPost);
		const first = attempts[0]?.time ?? 0;
		const last = ok.at(-1)?.time ?? first;
		const seconds = Math.max(0.001, (last - first) / 1000);
		let lost = 0;
		let duplicated = 0;
		for (const channelId of channels) {
			const count = fake.messages(channelId).length;
			if (count === 0) lost++;
			if (count > 1) duplicated += count - 1;
		}
		return {
			database: kind,
			servers: guilds.length,
			schedulesPerServer: perServer,
			posted: FANOUT_SERVERS - lost,
			seconds,
			requestsPerSecond: ok.length / seconds,
			ceiling: DISCORD_GLOBAL_LIMIT,
			rateLimited: fake.rateLimited,
			lost,
			duplicated,
			messageRequests: attempts.length,
			postsPerSecond: ok.reduce<number[]>((buckets, r) => {
				const second = Math.floor((r.time - first) / 1000);
				for (let i = buckets.length; i <= second; i++) buckets.push(0);
				buckets[second]!++;
				return buckets;
			}, []),
		};
	} finally {
		await fake.close();
	}
}

// ---- scheduler tick -----------------------------------------------------------------------------------

const STORED = 100_000;
const TICK_GUILDS = 1_000;
const DUE = 50;

interface TickFigures {
	database: Kind;
	/** Wall-clock time of a run: with posts to send, bound by discord.js's own 50 requests/s global limit. */
	stored: number;
	schedulesPerServer: number;
	guildsOnShard: number;
	due: number;
	runs: number;
	medianMs: number;
	p99Ms: number;
	/** CPU the bot spent on a run (what it takes from everything else in the process). */
	cpuMedianMs: number;
}

/** The shard's 1,000 servers with `perServer` schedules each; 100 schedules due (from 100 / perServer servers). */
async function tick(perServer = 1, kind: Kind = 'sqlite'): Promise<TickFigures[]> {
	const fake = await startFakeDiscord();
	const database = await fresh('tick', kind);
	try {
		const { keys } = serversWithChannels(fake, TICK_GUILDS, perServer, 'tick');
		const savedAt = new Date();
		const dueTime = seoulTimeAfter(savedAt, 120);
		const laterTime = seoulTimeAfter(savedAt, 480);
		const db = await open(database);
		const store = new ReflectionStore(db);
		await saveSeoulSchedules(
			store,
			keys.map((key, i) => ({ ...key, time: i < DUE ? dueTime : laterTime })),
			savedAt,
		);
		const dueAt = (await store.get(keys[0]!.guildId))!.nextDueAt.getTime();
		const laterAt = (await store.get(keys[DUE]!.guildId, keys[DUE]!.channelId))!.nextDueAt.getTime();
		// The other 99,000 belong to servers on other shards (or that left): stored and indexed, never ours.
		// Copied in bulk, as save() would write them, because 99,000 separate transactions take minutes.
		await db.transaction().execute(async (trx) => {
			for (let from = keys.length; from < STORED; from += 500) {
				const rows = Array.from({ length: Math.min(500, STORED - from) }, (_, n) => {
					const i = from + n;
					const spread = (i % 1_440) * 60_000; // every minute of the day, all after the 100 of ours
					return {
						guild_id: String(9n * 10n ** 17n + BigInt(i)),
						channel_id: String(8n * 10n ** 17n + BigInt(i)),
						time: laterTime,
						time_zone: 'Asia/Seoul',
						role_id: null,
						thread: 0,
						forum_tag_id: null,
						next_due_at: laterAt + spread,
						paused_reason: null,
						paused_detail: null,
						paused_at: null,
						held_at: null,
						held_by: null,
						updated_by: 'bench',
						updated_locale: null,
						updated_at: savedAt.getTime(),
						notified_at: null,
					};
				});
				await trx.insertInto('reflection_schedules').values(rows).execute();
			}
		});
		await db.destroy();

		const figures: TickFigures[] = [];
		{
			const worker = Worker.start(['tick', fake.api, database]);
			try {
				await worker.next('ready', 60_000);
				worker.send({ type: 'tick', runs: 300, clockOffsetMs: 0 });
				const idle = await worker.next('ticks', 60_000);
				worker.send({
					type: 'tick',
					// Two: each run is 100 posts at discord.js's 50/s (2 s), and `npm run bench` must stay under two minutes.
					runs: 2,
					clockOffsetMs: dueAt - Date.now() + 60_000,
					// Put the same 100 back to due and forget their posts, so every run posts 100 again.
					resetSql: [
						'DELETE FROM reflection_posts',
						`UPDATE reflection_schedules SET next_due_at = ${dueAt} WHERE time = '${dueTime}'`,
					],
				});
				const busy = await worker.next('ticks', 120_000);
				for (const [due, { samples, cpuSamples }] of [
					[0, idle],
					[DUE, busy],
				] as const) {
					figures.push({
						database: kind,
						stored: STORED,
						schedulesPerServer: perServer,
						guildsOnShard: TICK_GUILDS,
						due,
						runs: samples.length,
						medianMs: percentile(samples, 50),
						p99Ms: percentile(samples, 99),
						cpuMedianMs: percentile(cpuSamples, 50),
					});
				}
			} finally {
				await worker.stop();
			}
		}
		return figures;
	} finally {
		await fake.close();
	}
}

// ---- several daily reflections per server (issue #16) ------------------------------------------------

/** As many as a server may have (MAX_SCHEDULES_PER_GUILD): the fan-out's worst case per server. */
const SCHEDULES_PER_SERVER = MAX_SCHEDULES_PER_GUILD;

function severalFanoutRows(f: FanoutFigures): string[][] {
	const share = f.requestsPerSecond / f.ceiling;
	const per = `${f.schedulesPerServer} per server${f.database === 'postgres' ? ', PostgreSQL' : ''}`;
	return [
		[
			`daily fan-out${f.database === 'postgres' ? ' on PostgreSQL' : ''}: ${f.servers} servers × ${f.schedulesPerServer} schedules, all posted`,
			`${f.seconds.toFixed(1)} s`,
			'',
			'',
			'',
			'',
		],
		[
			`daily fan-out, ${per}: posts per second`,
			f.requestsPerSecond.toFixed(1),
			`${f.ceiling} (limit)`,
			times(share),
			'≥ 0.90×',
			check(share >= 0.9),
		],
		[
			`daily fan-out, ${per}: 429s · lost · duplicated`,
			`${f.rateLimited} · ${f.lost} · ${f.duplicated}`,
			'',
			'',
			'– · 0 · 0',
			check(f.lost === 0 && f.duplicated === 0),
		],
	];
}

function severalTickRows(figures: readonly TickFigures[]): string[][] {
	return figures.map((t) => [
		`scheduler tick, ${t.schedulesPerServer} per server${t.database === 'postgres' ? ', PostgreSQL' : ''}, ${t.due} due: median · p99 (CPU)`,
		`${t.medianMs.toFixed(2)} · ${ms(t.p99Ms)} (${ms(t.cpuMedianMs)})`,
		'',
		'',
		t.due === 0 ? '< 5 ms' : '',
		t.due === 0 ? check(t.medianMs < 5) : '',
	]);
}

// ---- report -------------------------------------------------------------------------------------------

const ms = (value: number) => `${value.toFixed(2)} ms`;
const mb = (value: number) => `${value.toFixed(1)} MB`;
const times = (value: number) => `${value.toFixed(2)}×`;
const check = (ok: boolean) => (ok ? 'yes' : 'NO');

async function main(): Promise<void> {
	const began = Date.now();
	const sections = (process.argv[2] ?? 'latency,memory,fanout,tick,card').split(',');
	const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

	const results: Record<string, unknown> = { machine: machine(), date: new Date().toISOString() };
	const rows: string[][] = [];
	if (['latency', 'fanout', 'tick'].some((section) => sections.includes(section))) {
		log('starting PostgreSQL…');
		postgres = await startPostgresServer();
	}

	if (sections.includes('latency')) {
		log('interaction latency…');
		const figures = await latency();
		results.latency = figures;
		for (const [i, inFlight] of IN_FLIGHT.entries()) {
			const bot = figures.bot[i]!;
			const floor = figures.floor[i]!;
			const ratio = bot.medianMs / floor.medianMs;
			rows.push([
				`/her-quote, ${inFlight} in flight: median · p99`,
				`${bot.medianMs.toFixed(2)} · ${ms(bot.p99Ms)}`,
				`${floor.medianMs.toFixed(2)} · ${ms(floor.p99Ms)}`,
				times(ratio),
				'≤ 1.1×',
				check(ratio <= 1.1),
			]);
		}
		for (const [i, inFlight] of IN_FLIGHT.entries()) {
			const onPostgres = figures['bot-postgres'][i]!;
			const floor = figures.floor[i]!;
			rows.push([
				`/her-quote on PostgreSQL, ${inFlight} in flight: median · p99`,
				`${onPostgres.medianMs.toFixed(2)} · ${ms(onPostgres.p99Ms)}`,
				`${floor.medianMs.toFixed(2)} · ${ms(floor.p99Ms)}`,
				times(onPostgres.medianMs / floor.medianMs),
				'',
				'',
			]);
		}
		const cpu = (list: LatencyFigures[]) => list.reduce((sum, f) => sum + f.clientCpuMsPerInteraction, 0) / list.length;
		const fakeCpu = (list: LatencyFigures[]) =>
			list.reduce((sum, f) => sum + f.fakeCpuMsPerInteraction, 0) / list.length;
		const cpuRatio = cpu(figures.bot) / cpu(figures.floor);
		rows.push([
			'/her-quote client CPU per interaction',
			ms(cpu(figures.bot)),
			ms(cpu(figures.floor)),
			times(cpuRatio),
			'≤ 1.1×',
			check(cpuRatio <= 1.1),
		]);
		rows.push([
			"the same, the bot's shell answering the floor's embed",
			ms(cpu(figures.shell)),
			ms(cpu(figures.floor)),
			times(cpu(figures.shell) / cpu(figures.floor)),
			'',
			'',
		]);
		rows.push([
			"the fake Discord's own CPU per interaction",
			ms(fakeCpu(figures.bot)),
			ms(fakeCpu(figures.floor)),
			'',
			'',
			'',
		]);
		const failed = Object.values(figures)
			.flat()
			.reduce((sum, f) => sum + f.failed, 0);
		if (failed > 0) log(`WARNING: ${failed} interactions were not answered with a message`);
	}

	if (sections.includes('memory')) {
		log('memory per guild…');
		const memoryRows = await memory();
		const at = (kind: MemoryClient, guilds: number) => memoryRows.find((r) => r.kind === kind && r.guilds === guilds)!;
		const perThousand = (kind: MemoryClient, key: 'rssMB' | 'heapUsedMB') =>
			((at(kind, 10_000)[key] - at(kind, 1)[key]) / 9_999) * 1_000;
		const bothPerThousand = (kind: MemoryClient) => ({
			rssMB: perThousand(kind, 'rssMB'),
			heapUsedMB: perThousand(kind, 'heapUsedMB'),
		});
		results.memory = {
			rows: memoryRows,
			perThousandGuilds: { bot: bothPerThousand('bot'), default: bothPerThousand('default') },
		};
		for (const guilds of GUILD_COUNTS) {
			const bot = at('bot', guilds);
			const base = at('default', guilds);
			const last = guilds === 10_000;
			const label = `${guilds.toLocaleString('en-US')} guild${guilds === 1 ? '' : 's'}`;
			rows.push([
				`RSS after ready, ${label}`,
				mb(bot.rssMB),
				mb(base.rssMB),
				times(bot.rssMB / base.rssMB),
				last ? '≤ 0.5×' : '',
				last ? check(bot.rssMB / base.rssMB <= 0.5) : '',
			]);
			rows.push([
				`heap after ready, ${label}`,
				mb(bot.heapUsedMB),
				mb(base.heapUsedMB),
				times(bot.heapUsedMB / base.heapUsedMB),
				'',
				'',
			]);
		}
		for (const key of ['rssMB', 'heapUsedMB'] as const) {
			const bot = perThousand('bot', key);
			const base = perThousand('default', key);
			const heap = key === 'heapUsedMB';
			rows.push([
				`${heap ? 'heap' : 'RSS'} per 1,000 guilds`,
				mb(bot),
				mb(base),
				times(bot / base),
				heap ? '≤ 0.5×' : '',
				heap ? check(bot / base <= 0.5) : '',
			]);
		}
		const bot = at('bot', 10_000);
		const base = at('default', 10_000);
		rows.push([
			'ready with 10,000 guilds',
			`${bot.readySeconds.toFixed(1)} s`,
			`${base.readySeconds.toFixed(1)} s`,
			times(bot.readySeconds / base.readySeconds),
			'',
			'',
		]);
	}

	if (sections.includes('fanout')) {
		log('daily fan-out…');
		const f = await fanout();
		results.fanout = f;
		log(`fan-out posts per second: ${f.postsPerSecond.join(' ')}`);
		const share = f.requestsPerSecond / f.ceiling;
		rows.push([
			`daily fan-out: ${f.servers.toLocaleString('en-US')} servers due at once, all posted`,
			`${f.seconds.toFixed(1)} s`,
			'',
			'',
			'',
			'',
		]);
		rows.push([
			'daily fan-out: posts per second',
			f.requestsPerSecond.toFixed(1),
			`${f.ceiling} (limit)`,
			times(share),
			'≥ 0.90×',
			check(share >= 0.9),
		]);
		rows.push([
			'daily fan-out: 429s · lost · duplicated',
			`${f.rateLimited} · ${f.lost} · ${f.duplicated}`,
			'',
			'',
			'– · 0 · 0',
			check(f.lost === 0 && f.duplicated === 0),
		]);
		log('daily fan-out, several schedules per server…');
		const several = await fanout(SCHEDULES_PER_SERVER);
		results.fanoutSeveral = several;
		rows.push(...severalFanoutRows(several));
		log('daily fan-out on PostgreSQL…');
		const onPostgres = await fanout(1, 'postgres');
		results.fanoutPostgres = onPostgres;
		rows.push(...severalFanoutRows(onPostgres));
	}

	if (sections.includes('tick')) {
		log('scheduler tick…');
		const figures = await tick();
		results.tick = figures;
		for (const t of figures) {
			const label = `scheduler tick, ${t.stored.toLocaleString('en-US')} stored, ${t.due} due: median · p99 (CPU)`;
			rows.push([
				label,
				`${t.medianMs.toFixed(2)} · ${ms(t.p99Ms)} (${ms(t.cpuMedianMs)})`,
				'',
				'',
				t.due === 0 ? '< 5 ms' : '',
				t.due === 0 ? check(t.medianMs < 5) : '',
			]);
		}
		log('scheduler tick, several schedules per server…');
		const several = await tick(SCHEDULES_PER_SERVER);
		results.tickSeveral = several;
		rows.push(...severalTickRows(several));
		log('scheduler tick on PostgreSQL…');
		const onPostgres = await tick(1, 'postgres');
		results.tickPostgres = onPostgres;
		rows.push(...severalTickRows(onPostgres));
	}

	if (sections.includes('card')) {
		log('quote cards…');
		const c = await cardFigures();
		results.card = c;
		rows.push([
			'quote card, cold (drawn): median · p99 (on the event loop)',
			`${c.coldMedianMs.toFixed(2)} · ${ms(c.coldP99Ms)} (${ms(c.coldMainThreadMedianMs)})`,
			'',
			'',
			'',
			'',
		]);
		rows.push(['quote card, warm (cached): median · p99', `${c.warmMedianMs} · ${c.warmP99Ms} ms`, '', '', '', '']);
		rows.push([
			`quote card cache, all ${c.cards} cards (largest card)`,
			`${mb(c.cacheMB)} (${c.largestCardKB} KB)`,
			'',
			'',
			'',
			'',
		]);
	}

	const m = results.machine as ReturnType<typeof machine>;
	const header = ['measure', 'her-film-club', 'discord.js', 'ratio', 'target', 'met'];
	const text = table(header, rows);
	const footer = `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node} (${m.platform}); ${new Date().toISOString().slice(0, 10)}; ${Math.round((Date.now() - began) / 1000)} s`;
	results.table = text;
	results.durationSeconds = round((Date.now() - began) / 1000, 1);
	process.stdout.write(`\n${text}\n\n${footer}\n`);

	const out = join(here, 'results');
	mkdirSync(out, { recursive: true });
	if (sections.length === 5) writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, '\t')}\n`);
}

try {
	await main();
} finally {
	killWorkers();
	await postgres?.stop();
	rmSync(scratch, { recursive: true, force: true });
}
