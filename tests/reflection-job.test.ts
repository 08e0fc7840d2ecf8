import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes } from 'discord.js';
import { describe, expect, inject, test } from 'vitest';
import herReflection from '../commands/her-reflection.js';
import { COMMANDS } from '../commands/index.js';
import { createClient } from '../src/client.js';
import { DEFAULT_REFLECTION_JOB, NONCE_WINDOW_FLOOR_MS, runDueReflections } from '../src/reflection/job.js';
import { reflectionNonce } from '../src/reflection/schedule.js';
import { ReflectionStore, type ScheduleInput } from '../src/reflection/store.js';
import { createRouter } from '../src/router.js';
import { isDatabaseUnavailable, type DatabaseKind, type DatabaseLocation } from '../src/store/database.js';
import { createTestContext, testConfig } from './support/context.js';
import { startCuttableProxy } from './support/cuttable-proxy.js';
import { DATABASE_KINDS, createPostgresDatabase, newDatabaseLocation } from './support/databases.js';
import {
	CHANNEL_ID,
	CLUB_ROLE_ID,
	GUILD_ID,
	OTHER_CHANNEL_ID,
	TestDiscord,
	USER_ID,
	testDiscordCore,
} from './support/discord.js';

const LEASE = DEFAULT_REFLECTION_JOB.leaseMs;

/** How long all of discord.js's tries of one request can take, with the REST settings the bot runs with. */
function allTriesMs(): number {
	const client = createClient(testConfig);
	const { retries, timeout } = client.rest.options;
	void client.destroy();
	return (retries + 1) * timeout;
}
// 2025-05-14 09:00 in Seoul.
const DUE = '2025-05-14T00:00:00Z';
const POSTS = /^\/channels\/\d+\/messages$/;
/** Posts in the server's channels (not the admin's DMs). */
const SERVER_POSTS = new RegExp(`^/channels/(${CHANNEL_ID}|${OTHER_CHANNEL_ID})/messages$`);

const seoulNine: ScheduleInput = {
	guildId: GUILD_ID,
	channelId: CHANNEL_ID,
	time: '09:00',
	timeZone: 'Asia/Seoul',
	roleId: null,
	thread: false,
	updatedBy: USER_ID,
};

/** The one Discord the bot processes of a test talk to: it outlives them, with its messages and nonces. */
class DiscordMemory {
	public readonly fake: ReturnType<typeof testDiscordCore>;
	/** `nonceWindowMs`: how long Discord remembers a nonce (default: the fake's). */
	public constructor(options: { nonceWindowMs?: number } = {}) {
		this.fake = testDiscordCore(options);
	}
	/** The messages Discord created with `enforce_nonce` whose nonce it still remembers, by nonce. */
	public get byNonce(): ReadonlyMap<string, unknown> {
		return new Map([...this.fake.nonces].map(([key, seen]) => [key, this.fake.message(seen.messageId)]));
	}
	/** Every message in the channel, which outlives the few minutes Discord keeps nonces for. */
	public get messages(): unknown[] {
		return this.fake.messages(CHANNEL_ID);
	}
	/** Discord forgets every nonce, as it does a few minutes after each was used. */
	public forgetNonces(): void {
		this.fake.nonces.clear();
	}
}

/**
 * One bot process: its own context (clock, database handle) and client, talking to the fake Discord's core
 * (`memory`: shared with the other processes of a test), whose clock is the process's. Sends honour
 * `enforce_nonce` as Discord does, and `failNextSend` makes the next post fail with the given error: a Discord
 * error, or a connection lost after Discord got the post or before, as a crash would.
 */
async function botProcess(
	options: {
		start?: string;
		/** a database shared with the test's other processes (else an in-memory SQLite of its own) */
		shared?: DatabaseLocation;
		memory?: DiscordMemory;
		processId?: string;
		language?: 'en';
		/** false: the bot may not read the channel's history, so only the nonce guards a retry. */
		readHistory?: boolean;
		/** a schedule an admin saved before this process started */
		schedule?: ScheduleInput;
	} = {},
) {
	const { ctx, clock } = await createTestContext({
		start: options.start ?? '2025-05-13T12:00:00Z',
		...(options.shared ? { shared: options.shared } : {}),
	});
	await ctx.settings.setLanguage(GUILD_ID, options.language ?? 'en', ctx.now());
	const memory = options.memory ?? new DiscordMemory();
	const discord = new TestDiscord({ fake: memory.fake, now: ctx.now, guilds: ctx.guilds });
	if (options.readHistory === false) memory.fake.denyReadHistory(CHANNEL_ID);
	const store = new ReflectionStore(ctx.db);
	if (options.schedule) await store.save(options.schedule, ctx.now());
	const processId = options.processId ?? 'process-a';
	return {
		ctx,
		clock,
		discord,
		store,
		memory,
		route: createRouter(COMMANDS, ctx),
		tick: () => runDueReflections(discord.client, ctx, { ...DEFAULT_REFLECTION_JOB, processId }),
		/**
		 * The next `count` tries of a post fail with `error`: a DiscordAPIError is Discord's answer; an AbortError
		 * a timeout (discord.js tries again itself), anything else a lost connection; after Discord got it or before.
		 */
		failNextSend: (error: unknown, afterDiscordGotIt = false, count = 1) =>
			memory.fake.failNext({
				method: 'POST',
				path: '/channels/:channel/messages',
				count,
				...(error instanceof DiscordAPIError
					? { status: error.status, code: Number(error.code), message: error.message }
					: {
							network: afterDiscordGotIt ? 'after' : 'before',
							seen: error instanceof Error && error.name === 'AbortError' ? 'timeout' : 'socket-error',
						}),
			}),
		/** Every time the bot asked Discord to post a message in the server (failed attempts and retries included). */
		postRequests: () => discord.sent(SERVER_POSTS, 'POST'),
	};
}

/**
 * Every try of a post in the server reaches Discord `ms` after the bot sent it, as on a slow network: Discord
 * holds it while the bot's clock moves on, then does it at the later time. `tick` runs the job so; `landed`
 * says when each try reached Discord.
 */
type BotProcess = Awaited<ReturnType<typeof botProcess>>;

function slowPosts(bot: BotProcess, ms: number) {
	const { fake } = bot.memory;
	const landed: number[] = [];
	const arrived = new Set<unknown>();
	const holdNext = () => {
		let release!: () => void;
		fake.delay({ method: 'POST', path: SERVER_POSTS, until: new Promise<void>((resolve) => (release = resolve)) });
		return release;
	};
	let release = holdNext();
	return {
		landed,
		async tick() {
			let done = false;
			const ticking = bot.tick().finally(() => {
				done = true;
				fake.changed();
			});
			for (;;) {
				const next = await fake.waitUntil(() => done || [...fake.held].find((request) => !arrived.has(request)), {
					what: 'the tick to end or a post to reach Discord',
				});
				if (next === true) break;
				arrived.add(next);
				bot.clock.advance(ms);
				landed.push(bot.ctx.now().getTime());
				// The next try is held in turn.
				const current = release;
				release = holdNext();
				current();
			}
			await ticking;
		},
	};
}

function apiError(code: number, status: number): DiscordAPIError {
	return new DiscordAPIError({ code, message: 'from the test' }, code, status, 'POST', '/channels', {
		body: undefined,
	});
}

/**
 * A process on a shared database claims the 09:00 Seoul prompt at DUE and crashes while posting it, after
 * Discord got the post or before. `restart` then starts the next process on the same database and Discord.
 */
async function crashWhilePosting(kind: DatabaseKind, { afterDiscordGotIt }: { afterDiscordGotIt: boolean }) {
	const shared = await newDatabaseLocation(kind);
	const memory = new DiscordMemory();
	const first = await botProcess({ shared, memory, processId: 'before-crash', schedule: seoulNine });
	first.clock.set(DUE);
	first.failNextSend(new Error(afterDiscordGotIt ? 'socket hang up' : 'process killed'), afterDiscordGotIt);
	await first.tick();
	await first.ctx.db.destroy();
	const restart = (options: { start: string; readHistory?: boolean }) =>
		botProcess({ shared, memory, processId: 'after-crash', ...options });
	return { first, memory, restart };
}

describe('posting at the time', () => {
	test('Given a schedule for 09:00 Seoul, then nothing before it, one prompt at it, and nothing more that day', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.clock.set('2025-05-13T23:59:59Z');
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);

		bot.clock.set(DUE);
		await bot.tick();
		const [post] = bot.postRequests();
		expect(post!.route).toBe(`/channels/${CHANNEL_ID}/messages`);
		expect(post!.body).toMatchObject({
			nonce: reflectionNonce(GUILD_ID, CHANNEL_ID, '2025-05-14'),
			enforce_nonce: true,
			allowed_mentions: { parse: [] },
			embeds: [{ title: 'Today’s reflection', footer: { text: expect.stringMatching(/^Source: /) } }],
		});
		expect(post!.body.content).toBeUndefined();

		for (const later of ['2025-05-14T00:00:15Z', '2025-05-14T09:00:00Z', '2025-05-14T14:59:59Z']) {
			bot.clock.set(later);
			await bot.tick();
		}
		expect(bot.postRequests()).toHaveLength(1);
		expect((await bot.store.get(GUILD_ID))?.nextDueAt).toEqual(new Date('2025-05-15T00:00:00Z'));
		expect(await bot.store.lastSent(seoulNine)).toMatchObject({ localDate: '2025-05-14', status: 'sent' });
	});

	test('Given a role and threads, then the role is the only mention allowed and a thread is named after the prompt', async () => {
		const bot = await botProcess();
		bot.discord.addRole({ mentionable: true });
		await bot.store.save({ ...seoulNine, roleId: CLUB_ROLE_ID, thread: true }, bot.ctx.now());
		bot.clock.set(DUE);
		await bot.tick();
		const [post] = bot.postRequests();
		expect(post!.body).toMatchObject({
			content: `<@&${CLUB_ROLE_ID}>`,
			allowed_mentions: { parse: [], roles: [CLUB_ROLE_ID] },
		});
		const reflection = bot.ctx.dataset.reflections.find((item) => post!.body.embeds[0].footer.text.endsWith(item.id))!;
		const [thread] = bot.discord.sent(/\/messages\/\d+\/threads$/, 'POST');
		expect(thread!.body.name.length).toBeLessThanOrEqual(100);
		expect(thread!.body.name).toContain(reflection.text.en.slice(0, 20));
		expect((await bot.store.lastSent(seoulNine))?.threadId).not.toBeNull();
	});

	test('Given a schedule in St John’s (−2:30 in May), then the prompt goes out at 09:00 there, 11:30Z', async () => {
		const bot = await botProcess({
			start: '2025-05-14T00:00:00Z',
			schedule: { ...seoulNine, timeZone: 'America/St_Johns' },
		});
		bot.clock.set('2025-05-14T11:29:59Z');
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);
		bot.clock.set('2025-05-14T11:30:00Z');
		await bot.tick();
		expect(bot.postRequests()[0]!.body.nonce).toBe(reflectionNonce(GUILD_ID, CHANNEL_ID, '2025-05-14'));
	});

	test('Given a month of days, then every day brings a different prompt until the pool is used up', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		const days = bot.ctx.dataset.reflections.length;
		for (let day = 0; day < days; day++) {
			bot.clock.set(new Date(Date.parse(DUE) + day * 86_400_000));
			await bot.tick();
		}
		const shown = bot.postRequests().map((request) => request.body.embeds[0].footer.text);
		expect(shown).toHaveLength(days);
		expect(new Set(shown).size).toBe(days);
	});

	test('Given a guild this process does not serve (another shard), then its due schedule is left alone', async () => {
		const bot = await botProcess({ schedule: { ...seoulNine, guildId: '200000000000000099' } });
		bot.clock.set(DUE);
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);
		expect((await bot.store.get('200000000000000099'))?.nextDueAt).toEqual(new Date(DUE));
	});
});

describe('catching up after downtime', () => {
	test('Given the bot was down at 09:00 and back at 20:00 the same local day, then the prompt goes out late, once', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.clock.set('2025-05-14T11:00:00Z');
		await bot.tick();
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(1);
		expect((await bot.store.lastSent(seoulNine))?.localDate).toBe('2025-05-14');
	});

	test('Given the bot was down from before 09:00 until after midnight, then that day is skipped, not posted', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.clock.set('2025-05-14T15:30:00Z'); // 00:30 on the 15th in Seoul.
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);
		expect((await bot.store.get(GUILD_ID))?.nextDueAt).toEqual(new Date('2025-05-15T00:00:00Z'));
	});

	test('Given the bot was down for a week, then only today’s prompt goes out: no flood of old ones', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.clock.set('2025-05-21T03:00:00Z');
		await bot.tick();
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(1);
		expect(bot.postRequests()[0]!.body.nonce).toBe(reflectionNonce(GUILD_ID, CHANNEL_ID, '2025-05-21'));
	});
});

describe.each(DATABASE_KINDS)('exactly once across crashes and processes sharing %s', (kind) => {
	/**
	 * The processes' ticks at once. On PostgreSQL each has its own connections, so they really overlap. Two
	 * handles on one SQLite file in one OS process can't (each would stall the other in SQLite's busy wait,
	 * which blocks the thread), so they take turns there; the store test races OS processes on a file.
	 */
	const together = async (ticks: (() => Promise<void>)[]) => {
		if (kind === 'postgres') await Promise.all(ticks.map((tick) => tick()));
		else for (const tick of ticks) await tick();
	};

	test('Given Discord took the post but the bot crashed before recording it, then after restart the retry returns the same message', async () => {
		const { first, memory, restart } = await crashWhilePosting(kind, { afterDiscordGotIt: true });
		expect(memory.byNonce.size).toBe(1);

		// Restarted 30 s later: the claim is still within its lease, so nothing is sent.
		const restarted = await restart({ start: '2025-05-14T00:00:30Z', readHistory: false });
		await restarted.tick();
		expect(restarted.postRequests()).toHaveLength(0);

		restarted.clock.set(new Date(Date.parse(DUE) + LEASE));
		await restarted.tick();
		const [retry] = restarted.postRequests();
		expect(retry!.body.nonce).toBe(first.postRequests()[0]!.body.nonce);
		expect(retry!.body.embeds).toEqual(first.postRequests()[0]!.body.embeds);
		expect(memory.byNonce.size).toBe(1);
		expect(memory.messages).toHaveLength(1);
		const created = [...memory.byNonce.values()][0] as { id: string };
		expect(await restarted.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'sent',
			messageId: created.id,
		});

		restarted.clock.set('2025-05-14T10:00:00Z');
		await restarted.tick();
		expect(restarted.postRequests()).toHaveLength(1);
	});

	test('Given Discord took the post and the bot came back after Discord forgot the nonce, then the earlier post is found and not repeated', async () => {
		const { memory, restart } = await crashWhilePosting(kind, { afterDiscordGotIt: true });
		memory.forgetNonces();

		const restarted = await restart({ start: '2025-05-14T03:00:00Z' });
		await restarted.tick();
		expect(restarted.postRequests()).toHaveLength(0);
		expect(memory.messages).toHaveLength(1);
		const [created] = memory.messages as { id: string }[];
		expect(await restarted.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'sent',
			messageId: created!.id,
		});
	});

	test('Given the search for the earlier post times out, then nothing is sent blind and a later try finds the post', async () => {
		const { memory, restart } = await crashWhilePosting(kind, { afterDiscordGotIt: true });
		memory.forgetNonces();
		const restarted = await restart({ start: '2025-05-14T03:00:00Z' });
		memory.fake.failNext({
			method: 'GET',
			path: '/channels/:channel/messages',
			network: 'before',
			seen: 'timeout',
			count: Infinity,
		});
		await restarted.tick();
		expect(restarted.discord.sent(POSTS, 'GET').length).toBeGreaterThan(0);
		expect(restarted.postRequests()).toHaveLength(0);
		expect(await restarted.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'claimed',
			failure: expect.any(String),
		});

		memory.fake.clearFaults();
		restarted.clock.set(new Date(Date.parse('2025-05-14T03:00:00Z') + LEASE));
		await restarted.tick();
		expect(restarted.postRequests()).toHaveLength(0);
		const [created] = memory.messages as { id: string }[];
		expect(await restarted.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'sent',
			messageId: created!.id,
		});
	});

	test('Given a crash after claiming and a restart the next day, then the old day is not posted late', async () => {
		const { restart } = await crashWhilePosting(kind, { afterDiscordGotIt: false });

		const restarted = await restart({ start: '2025-05-14T15:30:00Z' });
		await restarted.tick();
		expect(restarted.postRequests()).toHaveLength(0);
		expect(await restarted.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'failed',
			failure: 'unconfirmed',
		});
	});

	test('Given two processes sharing the database tick at the same moment, then one prompt goes out', async () => {
		const shared = await newDatabaseLocation(kind);
		const memory = new DiscordMemory();
		const a = await botProcess({ shared, memory, processId: 'a', schedule: seoulNine });
		const b = await botProcess({ shared, memory, processId: 'b' });
		a.clock.set(DUE);
		b.clock.set(DUE);
		await together([a.tick, b.tick, a.tick, b.tick]);
		expect(a.postRequests().length + b.postRequests().length).toBe(1);
		b.clock.set('2025-05-14T00:05:00Z');
		a.clock.set('2025-05-14T00:05:00Z');
		await together([a.tick, b.tick]);
		expect(a.postRequests().length + b.postRequests().length).toBe(1);
	});
});

describe('exactly once across crashes and processes', () => {
	test('Given the REST settings the bot runs with, then a send’s tries fit twice in the lease and a day’s attempts in the nonce window', () => {
		const { leaseMs, intervalMs, maxAttempts } = DEFAULT_REFLECTION_JOB;
		expect(2 * allTriesMs()).toBeLessThanOrEqual(leaseMs);
		expect((maxAttempts - 1) * (leaseMs + intervalMs) + allTriesMs()).toBeLessThan(NONCE_WINDOW_FLOOR_MS);
	});

	test('Given every try lands but times out and the bot can’t read history, then all of them fall inside the nonce window we count on: one prompt', async () => {
		// Discord forgets the nonce NONCE_WINDOW_FLOOR_MS after the first try.
		const memory = new DiscordMemory({ nonceWindowMs: NONCE_WINDOW_FLOOR_MS });
		const bot = await botProcess({ schedule: seoulNine, readHistory: false, memory });
		for (let attempt = 0; attempt < 10; attempt++) {
			bot.failNextSend(new DOMException('This operation was aborted', 'AbortError'), true);
		}
		// The worst case on the clock: each try reaches Discord just as the bot gives up on it, so a send's last
		// try lands all its tries' time after its first was sent.
		const slow = slowPosts(bot, bot.discord.client.rest.options.timeout);
		bot.clock.set(DUE);
		const firstTry = bot.ctx.now().getTime();
		for (let tick = 0; tick < 60; tick++) {
			await slow.tick();
			bot.clock.advance(DEFAULT_REFLECTION_JOB.intervalMs);
		}
		expect(slow.landed).toHaveLength(
			DEFAULT_REFLECTION_JOB.maxAttempts * (1 + bot.discord.client.rest.options.retries),
		);
		expect(slow.landed[1]! - firstTry).toBe(allTriesMs());
		expect(slow.landed.at(-1)! - firstTry).toBeLessThan(NONCE_WINDOW_FLOOR_MS);
		expect(bot.memory.messages).toHaveLength(1);
		expect(await bot.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'failed',
			failure: 'too-many-attempts',
		});
	});

	test('Given Discord keeps failing with 500s, then the day is retried after each lease and given up, never endlessly', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.failNextSend(apiError(0, 500), false, Infinity);
		for (let minute = 0; minute < 12; minute++) {
			bot.clock.set(new Date(Date.parse(DUE) + minute * LEASE));
			await bot.tick();
		}
		const nonces = new Set(bot.postRequests().map((request) => request.body.nonce));
		// discord.js itself retries a 5xx `rest.retries` times before the job sees it fail.
		const triesPerAttempt = 1 + bot.discord.client.rest.options.retries;
		expect(bot.postRequests()).toHaveLength(DEFAULT_REFLECTION_JOB.maxAttempts * triesPerAttempt);
		expect(nonces.size).toBe(1);
		expect(await bot.store.post(seoulNine, '2025-05-14')).toMatchObject({
			status: 'failed',
			failure: 'too-many-attempts',
		});
		expect((await bot.store.get(GUILD_ID))?.nextDueAt).toEqual(new Date('2025-05-15T00:00:00Z'));
	});
});

describe('a PostgreSQL server that goes away', () => {
	test('Given the database goes away after Discord took the post, then the tick fails with the outage, nothing is failed or paused, and once it is back the day is posted once', async () => {
		const server = new URL(inject('postgresUrl'));
		const line = await startCuttableProxy({ host: server.hostname, port: Number(server.port) });
		const { name } = await createPostgresDatabase();
		const shared = { url: `postgres://postgres:postgres@127.0.0.1:${line.port}/${name}` };
		const bot = await botProcess({ shared, schedule: seoulNine });
		let release!: () => void;
		bot.memory.fake.delay({ method: 'POST', path: SERVER_POSTS, until: new Promise<void>((go) => (release = go)) });
		bot.clock.set(DUE);
		const ticking = bot.tick().then(
			() => undefined,
			(error: unknown) => error,
		);
		await bot.memory.fake.waitUntil(() => bot.memory.fake.held.size > 0, { what: 'the post to reach Discord' });
		line.cut();
		release();
		expect(isDatabaseUnavailable(await ticking)).toBe(true);
		expect(bot.memory.messages).toHaveLength(1);

		line.mend();
		// Nothing was recorded against the day or the schedule: the claim is as it was, its lease running.
		expect(await bot.store.get(GUILD_ID)).toMatchObject({ paused: null, nextDueAt: new Date(DUE) });
		expect(await bot.store.post(seoulNine, '2025-05-14')).toMatchObject({ status: 'claimed', failure: null });
		bot.clock.set(new Date(Date.parse(DUE) + LEASE));
		await bot.tick();
		expect(bot.memory.messages).toHaveLength(1);
		const [created] = bot.memory.messages as { id: string }[];
		expect(await bot.store.post(seoulNine, '2025-05-14')).toMatchObject({ status: 'sent', messageId: created!.id });
		await bot.ctx.db.destroy();
		await line.close();
	});
});

describe('pausing when the channel or permission is gone', () => {
	async function statusText(bot: BotProcess, locale = 'en-US'): Promise<string> {
		await bot.route(bot.discord.chatInput(herReflection, { subcommand: 'status' }, { locale }));
		return bot.discord.sent('/callback').at(-1)!.body.data.content;
	}

	test('Given the channel was deleted, then the schedule pauses with the reason and the next schedule resumes it', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.discord.fake.deleteChannel(CHANNEL_ID);
		bot.clock.set(DUE);
		await bot.tick();
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);
		expect((await bot.store.get(GUILD_ID))?.paused?.reason).toBe('channel-missing');
		expect(await statusText(bot)).toContain('Paused: the channel was deleted');

		await bot.route(
			bot.discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: OTHER_CHANNEL_ID, time: '10:00' },
				{ memberPermissions: PermissionFlagsBits.ManageGuild },
			),
		);
		expect((await bot.store.get(GUILD_ID))?.paused).toBeNull();
		bot.clock.set('2025-05-14T01:00:00Z');
		await bot.tick();
		expect(bot.postRequests().map((request) => request.route)).toEqual([`/channels/${OTHER_CHANNEL_ID}/messages`]);
	});

	test('Given the bot lost Send Messages, then the schedule pauses, status names the permission, nothing is retried', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.discord.denyInChannel(CHANNEL_ID, PermissionFlagsBits.SendMessages);
		bot.clock.set(DUE);
		await bot.tick();
		bot.clock.set('2025-05-15T00:00:00Z');
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(0);
		expect(await statusText(bot, 'ko')).toContain('**메시지 보내기**');
	});

	test('Given Discord answers 404 Unknown Channel, then the schedule pauses; a fixed schedule still posts that day', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.failNextSend(apiError(RESTJSONErrorCodes.UnknownChannel, 404));
		bot.clock.set(DUE);
		await bot.tick();
		expect((await bot.store.get(GUILD_ID))?.paused?.reason).toBe('channel-missing');
		bot.clock.set('2025-05-14T01:00:00Z');
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(1); // the refused one; nothing while paused

		await bot.store.save({ ...seoulNine, time: '12:00' }, bot.ctx.now());
		bot.clock.set('2025-05-14T03:00:00Z');
		await bot.tick();
		expect(bot.postRequests()).toHaveLength(2);
		expect((await bot.store.lastSent(seoulNine))?.localDate).toBe('2025-05-14');
	});

	test('Given Discord answers 403 Missing Access, then the schedule pauses and status says Discord refused', async () => {
		const bot = await botProcess({ schedule: seoulNine });
		bot.failNextSend(apiError(RESTJSONErrorCodes.MissingAccess, 403));
		bot.clock.set(DUE);
		await bot.tick();
		expect((await bot.store.get(GUILD_ID))?.paused?.reason).toBe('forbidden');
		expect(await statusText(bot)).toContain('Discord refused my post');
	});
});
