/**
 * End-to-end harness: the real bot (as `npm start` runs it) against the fake Discord on 127.0.0.1.
 *
 * The API, all you need for a scenario file `tests/e2e/<name>.e2e.test.ts`:
 *
 *   const club = await startClub();            // fake Discord + three servers + users + commands deployed
 *   const bot = await startInProcess(club);    // startBot({ config, logger }) exactly as src/index.ts does
 *   const { id, response } = await use(club, { kind: 'command', name: 'her-quote', guildId: club.guilds.ko.id,
 *     channelId: club.guilds.ko.general, user: club.users.ko });
 *   const seen = await club.fake.reply(id);     // the message the user sees, after every edit
 *   expectClean(club);                          // no limit/interaction violations, no unknown routes, none unanswered
 *   await bot.stop(); await club.fake.close();
 *
 * - `startClub(options?)`: a fake Discord with servers `ko` (preferred locale ko), `en` (en-US) and `both`
 *   (preferred ko; a scenario sets it to both with `/her-settings language`), each with `#general`; the `ko`
 *   server also has `#locked` (the bot may not Send Messages, Embed Links or Create Public Threads there),
 *   `#no-embeds` (no Embed Links) and `#no-thread-posts` (no Send Messages in Threads). Users `ko`/`en` (Korean
 *   and English clients, no special permission) and `koAdmin`/`enAdmin` (Manage Server). The commands of
 *   `commands/` are deployed globally through `deployCommands`, so options carry their registered types.
 * - `startInProcess(club, { databasePath?, now?, random?, config? })`: the bot in this process, ready (`config`
 *   overrides parts of the club's, e.g. `health`); `logs` holds its log records (level debug), `waitForLog(msg)`
 *   waits for one, `stop()` stops it. With `now`, the fake's clock follows it too (message ids, the nonce window,
 *   interaction token expiry), so Discord and the bot agree, unless the test has set the fake's clock itself.
 * - `FAKE_NONCE_WINDOW_MS` (environment): the fake's nonce window for the run (default 5 min), to check the bot
 *   relies on no exact length, e.g. `FAKE_NONCE_WINDOW_MS=120000 npx vitest run tests/e2e`.
 * - `sharedClub()`: one club and one bot for a whole file. Call it at the top level,
 *   `const { club, bot } = sharedClub();`: it starts them in `beforeAll` and stops them in `afterAll`; `club`
 *   and `bot` read through to the started ones, so tests use `club.fake`, `bot.logs` as usual. A file that
 *   needs more set-up adds its own `beforeAll` after the call (vitest runs `beforeAll` hooks in order).
 * - `stopAfterEach()`: a club and bots per test. Call it at the top level; it returns `startClub(options?)` and
 *   `startInProcess(club, options?)`, the same as the ones above except that whatever a test started is stopped
 *   after it (bots first, then the fake). A bot stopped by the test itself (a restart scenario) is not stopped
 *   again. Used by tests/e2e/reflection.e2e.test.ts.
 * - `MEMBERS`: the two plain members (`ko` and `en` users) with the language each one's client reads, for
 *   `test.each` over both.
 * - `spawnBot(club, { databasePath, env? })`: `node --import tsx src/index.ts` from an empty temp cwd (no
 *   developer .env), env DISCORD_TOKEN / DISCORD_API_URL / DATABASE_PATH / LOG_LEVEL; `ready` resolves on the
 *   bot's "ready" log line, `exited` on exit, `kill(signal)` ends it.
 * - `runNode(script, args, env)`: runs a TypeScript file of the project as a child process (e.g. the deploy
 *   script) from an empty temp cwd; resolves with `{ code, stdout, stderr }`. `spawnScript(script, env)` starts
 *   one that keeps running (e.g. `scripts/proxy.ts`): `logs()`, `waitForLog(match, what)`, `kill(signal)`.
 * - `use(club, init)`: dispatches an interaction (see `InteractInit` in tests/fake-discord/interactions.ts)
 *   and waits for its initial response `{ type, data }`; `club.fake.reply(id)` then gives the final message.
 * - `press(club, guild, user, message, buttonId(message, 'discuss'))`: a member presses a button of a post;
 *   resolves with the initial response and the message they finally see.
 * - `expectClean(club)`: the assertion every scenario ends with.
 * - `hold(club.fake, { method, path, count? })`: Discord holds matching requests until `release()`; `fake.held`
 *   has them. `dueNow(now)`: a zone and HH:MM where a daily schedule is due at `now` (for spawned bots).
 * - `tempDatabase()`: a fresh SQLite path in a temp folder. `embedText(embed)`: all visible text of an embed.
 *   `isEphemeral(message)`: only the caller sees it. `eventually(check, what)`: polls a condition of the bot's
 *   own state (its caches, its logs), bounded. For conditions on the fake, use `club.fake.waitUntil` /
 *   `waitForRequest` / `waitForOp`, which re-check on every request and gateway op.
 *
 * Every wait is bounded (the fake's waits and `eventually` default to 10 s) and waits for an event, never a fixed time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { startBot, type RunningBot } from '../../src/bot.js';
import type { Config } from '../../src/config.js';
import type { Lang } from '../../src/i18n/index.js';
import { deployCommands } from '../../src/deploy.js';
import { ReflectionStore } from '../../src/reflection/store.js';
import { locate, openDatabase } from '../../src/store/database.js';
import { startFakeDiscord, WAIT_MS } from '../fake-discord/index.js';
import type {
	Delay,
	FakeDiscord,
	FakeDiscordOptions,
	InteractInit,
	Json,
	PermissionName,
	User,
} from '../fake-discord/index.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** A well-formed bot token (three base64url parts); the fake accepts any unless told otherwise. */
export const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.e2e-fk.fake-token-for-end-to-end-tests';

/** How long a child process may take to start or stop before the test gives up (tsx compiles on start). */
const PROCESS_TIMEOUT_MS = 30_000;

export interface ClubGuild {
	readonly id: string;
	/** #general: the bot may do everything it asks for in its invite */
	readonly general: string;
	/** extra channels by name (only in the `ko` server: locked, no-embeds, no-thread-posts) */
	readonly channels: Readonly<Record<string, string>>;
}

export interface Club {
	readonly fake: FakeDiscord;
	readonly guilds: { readonly ko: ClubGuild; readonly en: ClubGuild; readonly both: ClubGuild };
	readonly users: { readonly ko: User; readonly en: User; readonly koAdmin: User; readonly enAdmin: User };
	/** the config `npm start` would build for this fake (database path filled in by the bot helpers) */
	readonly config: Omit<Config, 'databasePath'>;
}

export function tempDatabase(): string {
	return join(mkdtempSync(join(tmpdir(), 'hfc-e2e-')), 'bot.sqlite');
}

function clubGuild(fake: FakeDiscord, name: string, preferredLocale: string, extra: Record<string, PermissionName[]>) {
	const guild = fake.addGuild({
		name,
		preferredLocale,
		channels: [{ name: 'general' }, ...Object.entries(extra).map(([channel, denyBot]) => ({ name: channel, denyBot }))],
	});
	const channels = Object.fromEntries([...guild.channels.values()].map((channel) => [channel.name, channel.id]));
	return { id: guild.id, general: fake.general(guild.id), channels };
}

export async function startClub(options: FakeDiscordOptions = {}): Promise<Club> {
	// Discord's nonce window is "a few minutes", no fixed number: `FAKE_NONCE_WINDOW_MS=120000 npm test` (or
	// 600000) runs the suite against a shorter or longer one, as the bot must not depend on its length.
	const window = process.env.FAKE_NONCE_WINDOW_MS;
	const fake = await startFakeDiscord({ ...(window ? { nonceWindowMs: Number(window) } : {}), ...options });
	const guilds = {
		ko: clubGuild(fake, '그녀 영화 모임', 'ko', {
			locked: ['SendMessages', 'EmbedLinks', 'CreatePublicThreads'],
			'no-embeds': ['EmbedLinks'],
			'no-thread-posts': ['SendMessagesInThreads'],
		}),
		en: clubGuild(fake, 'Her watchers', 'en-US', {}),
		both: clubGuild(fake, 'Her 함께 보기', 'ko', {}),
	};
	const users = {
		ko: fake.user({ username: 'samantha-fan', locale: 'ko' }),
		en: fake.user({ username: 'theodore', locale: 'en-US' }),
		koAdmin: fake.user({ username: 'amy', locale: 'ko', permissions: ['ManageGuild'] }),
		enAdmin: fake.user({ username: 'catherine', locale: 'en-GB', permissions: ['ManageGuild'] }),
	};
	const config = {
		token: options.token ?? TOKEN,
		applicationId: undefined,
		guildId: undefined,
		apiUrl: fake.api,
		logLevel: 'debug' as const,
		autoShard: true,
	};
	await deployCommands({ ...config, databasePath: ':memory:' }, 'global', COMMANDS);
	return { fake, guilds, users, config };
}

export interface LogRecord {
	level: number;
	msg?: string;
	[key: string]: unknown;
}

export interface InProcessBot {
	readonly bot: RunningBot;
	readonly databasePath: string;
	/** every log record so far, parsed */
	readonly logs: LogRecord[];
	waitForLog(match: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
	stop(): Promise<void>;
}

/** Polls `check` until it returns something truthy; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
	check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
	what: string,
	timeoutMs = WAIT_MS,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== null && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
		await new Promise((done) => setTimeout(done, 10));
	}
}

/**
 * Discord leaves matching requests unanswered until `release()`, so the test acts while they are in flight
 * (`fake.held` has them). Every match is held unless `count` says how many.
 */
export function hold(fake: FakeDiscord, match: Omit<Delay, 'ms' | 'until'>): { release(): void } {
	let release!: () => void;
	const until = new Promise<void>((resolve) => (release = resolve));
	fake.delay({ count: Infinity, ...match, until });
	return { release };
}

/**
 * A whole-hour zone where it is about noon at `now` (11:30–12:30), and its HH:MM: a daily schedule saved for
 * it is due today, at once, and hours from either midnight, whenever the suite runs. For bots in their own
 * process, which read the real clock: the schedule follows that clock, not the other way round.
 */
export function dueNow(now: Date): { time: string; timeZone: string } {
	const offset = 12 - Math.round(now.getUTCHours() + now.getUTCMinutes() / 60);
	// POSIX-style Etc zones count the other way: Etc/GMT-9 is UTC+9.
	const timeZone = `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
	const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
	return { time: time.format(now), timeZone };
}

/**
 * A daily reflection in each of `channels`, saved as `/her-reflection schedule` would and already due (the bot
 * was, say, down at the time), in the database at `database` (a SQLite path or a postgres:// URL).
 */
export async function scheduleDueNow(
	database: string,
	channels: readonly { guildId: string; channelId: string }[],
	now = new Date(),
): Promise<void> {
	const db = await openDatabase(locate(database));
	const store = new ReflectionStore(db);
	for (const where of channels) {
		await store.save({ ...where, ...dueNow(now), roleId: null, thread: false, updatedBy: '400000000000000001' }, now);
	}
	await db
		.updateTable('reflection_schedules')
		.set({ next_due_at: now.getTime() - 1_000 })
		.execute();
	await db.destroy();
}

export async function startInProcess(
	club: Club,
	options: { databasePath?: string; now?: () => Date; random?: () => number; config?: Partial<Config> } = {},
): Promise<InProcessBot> {
	const logs: LogRecord[] = [];
	const logger = pino(
		{ level: 'debug', base: { name: 'her-film-club' } },
		{ write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) },
	);
	const databasePath = options.databasePath ?? tempDatabase();
	// Discord and the bot agree on the time: ids, the nonce window and token expiry follow the test's clock
	// (unless the test set Discord's clock itself, e.g. to have the bot read that one).
	if (options.now && club.fake.clock.isReal) club.fake.clock.follow(options.now);
	const bot = await startBot({
		config: Object.freeze({ ...club.config, databasePath, ...options.config }),
		logger,
		...(options.now ? { now: options.now } : {}),
		...(options.random ? { random: options.random } : {}),
	});
	await bot.ready;
	return {
		bot,
		databasePath,
		logs,
		waitForLog: (match, timeoutMs) => eventually(() => logs.find(match), 'a log record', timeoutMs),
		stop: () => bot.stop(),
	};
}

/** The two plain members (no special permission) and the language their clients read. */
export const MEMBERS: readonly { member: 'ko' | 'en'; lang: Lang }[] = [
	{ member: 'ko', lang: 'ko' },
	{ member: 'en', lang: 'en' },
];

/**
 * One club and one bot for the whole file: started before its first test, stopped after its last. The
 * returned `club` and `bot` read through to the started ones, so they can be used as they are in tests and
 * hooks (not at the top level of the file, where nothing has started yet).
 */
export function sharedClub(): { club: Club; bot: InProcessBot } {
	let club: Club | undefined;
	let bot: InProcessBot | undefined;
	beforeAll(async () => {
		club = await startClub();
		bot = await startInProcess(club);
	});
	afterAll(async () => {
		await bot?.stop();
		await club?.fake.close();
	});
	function started<T>(value: T | undefined): T {
		if (value === undefined) throw new Error('sharedClub(): the club and bot start in beforeAll; use them in tests');
		return value;
	}
	return {
		club: {
			get fake() {
				return started(club).fake;
			},
			get guilds() {
				return started(club).guilds;
			},
			get users() {
				return started(club).users;
			},
			get config() {
				return started(club).config;
			},
		},
		bot: {
			get bot() {
				return started(bot).bot;
			},
			get databasePath() {
				return started(bot).databasePath;
			},
			get logs() {
				return started(bot).logs;
			},
			waitForLog: (match, timeoutMs) => started(bot).waitForLog(match, timeoutMs),
			stop: () => started(bot).stop(),
		},
	};
}

/** `startClub` and `startInProcess` for one test: whatever a test started is stopped after it, bots first. */
export function stopAfterEach(): {
	startClub: typeof startClub;
	startInProcess: typeof startInProcess;
} {
	const clubs: Club[] = [];
	const bots = new Set<InProcessBot>();
	afterEach(async () => {
		for (const bot of [...bots]) {
			bots.delete(bot);
			await bot.stop();
		}
		for (const club of clubs.splice(0)) await club.fake.close();
	});
	return {
		startClub: async (options) => {
			const club = await startClub(options);
			clubs.push(club);
			return club;
		},
		startInProcess: async (club, options) => {
			const bot = await startInProcess(club, options);
			bots.add(bot);
			// A test that stops the bot itself (to restart it) is done with it.
			const stop = async () => {
				bots.delete(bot);
				await bot.stop();
			};
			return { ...bot, stop };
		},
	};
}

export interface ProcessResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

export interface SpawnedScript {
	readonly child: ChildProcessWithoutNullStreams;
	readonly exited: Promise<ProcessResult>;
	/** stdout JSON log lines so far */
	logs(): LogRecord[];
	/** waits (bounded) for a log line that matches; rejects if the process exits first */
	waitForLog(match: (record: LogRecord) => boolean, what: string): Promise<LogRecord>;
	kill(signal: NodeJS.Signals): Promise<ProcessResult>;
}

export interface SpawnedBot extends SpawnedScript {
	/** resolves when the bot logs "ready"; rejects if it exits first */
	readonly ready: Promise<void>;
}

function spawnTs(script: string, args: readonly string[], env: Record<string, string>) {
	const cwd = mkdtempSync(join(tmpdir(), 'hfc-e2e-cwd-'));
	// As `npm start` runs it: the flag hides the warning of the caches the bot empties on purpose (src/client.ts).
	const node = ['--disable-warning=UnsupportedCacheOverwriteWarning', '--import', TSX_LOADER];
	const child = spawn(process.execPath, [...node, join(ROOT, script), ...args], {
		cwd,
		env: { PATH: process.env.PATH ?? '', TZ: 'America/Los_Angeles', ...env },
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<ProcessResult>((done) =>
		child.on('close', (code, signal) => done({ code, signal, stdout, stderr })),
	);
	return { child, exited, output: () => ({ stdout, stderr }) };
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = PROCESS_TIMEOUT_MS): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)), timeoutMs);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a TypeScript file of the project (e.g. `scripts/deploy.ts`) with exactly `env`, and waits for it to end. */
export function runNode(script: string, args: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
	return withTimeout(spawnTs(script, args, env).exited, `${script} to finish`);
}

function parseLogs(stdout: string): LogRecord[] {
	return stdout
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as LogRecord);
}

/** A long-running TypeScript file of the project (e.g. `scripts/proxy.ts`) with exactly `env`, from an empty temp cwd. */
export function spawnScript(script: string, env: Record<string, string>): SpawnedScript {
	const { child, exited, output } = spawnTs(script, [], env);
	const logs = () => parseLogs(output().stdout);
	return {
		child,
		exited,
		logs,
		waitForLog: (match, what) =>
			withTimeout(
				Promise.race([
					eventually(() => logs().find(match), what, PROCESS_TIMEOUT_MS),
					exited.then((result) => {
						const output = result.stderr || result.stdout.trim().split('\n').at(-1);
						throw new Error(`${script} exited (${result.code ?? result.signal}) before ${what}: ${output}`);
					}),
				]),
				what,
			),
		kill: async (signal) => {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return withTimeout(exited, `${script} to exit`);
		},
	};
}

/** The bot as `npm start` runs it: src/index.ts through tsx, configured only by the environment. */
export function spawnBot(club: Club, options: { databasePath: string; env?: Record<string, string> }): SpawnedBot {
	const started = spawnScript('src/index.ts', {
		DISCORD_TOKEN: club.config.token,
		DISCORD_API_URL: club.fake.api,
		DATABASE_PATH: options.databasePath,
		LOG_LEVEL: 'info',
		// Scenarios post faster than members may; the flood limit has its own scenario (tests/e2e/flood.e2e.test.ts).
		FLOOD_LIMIT: '0',
		...options.env,
	});
	const ready = started.waitForLog((record) => record.msg === 'ready', 'the bot to log "ready"').then(() => undefined);
	ready.catch(() => undefined);
	return { ...started, ready };
}

export interface Used {
	readonly id: string;
	readonly token: string;
	/** the initial response: type 4 (message), 5 (deferred), 7 (update), 8 (autocomplete), 9 (modal)... */
	readonly response: { type: number; data?: Json };
}

/** Dispatches an interaction as Discord would and waits (bounded) for the bot's initial response. */
export async function use(club: Club, init: InteractInit): Promise<Used> {
	const { id, token } = club.fake.interact(init);
	const response = await club.fake.response(id);
	return { id, token, response };
}

/** The custom id of the button on `message` for `action` (ids read `hfc1:<command>:<action>:…`). */
export function buttonId(message: Json, action: string): string {
	const buttons = ((message.components ?? []) as Json[]).flatMap((row) => (row.components ?? []) as Json[]);
	const button = buttons.find((candidate) => String(candidate.custom_id).includes(`:${action}:`));
	if (!button) throw new Error(`no ${action} button on message ${String(message.id)}`);
	return String(button.custom_id);
}

/** `user` presses the button `customId` on `message` in `guild`: the initial response and the message they finally see. */
export async function press(
	club: Club,
	guild: ClubGuild,
	user: User,
	message: Json,
	customId: string,
): Promise<Used & { message: Json }> {
	const used = await use(club, {
		kind: 'button',
		customId,
		messageId: String(message.id),
		guildId: guild.id,
		channelId: String(message.channel_id),
		user,
	});
	return { ...used, message: await club.fake.reply(used.id) };
}

/** Whether Discord would show this message only to the one who used the command. */
export function isEphemeral(message: Json | undefined): boolean {
	return (Number(message?.flags ?? 0) & 64) !== 0;
}

/** All the text a user reads in an embed, in display order. */
export function embedText(embed: Json | undefined): string {
	if (!embed) return '';
	const fields = ((embed.fields ?? []) as Json[]).flatMap((field) => [field.name, field.value]);
	return [embed.author?.name, embed.title, embed.description, ...fields, embed.footer?.text]
		.filter((part): part is string => typeof part === 'string')
		.join('\n');
}

/** Every scenario ends here: nothing broke Discord's limits, hit an unknown route, or went unanswered. */
export function expectClean(club: Club): void {
	const { fake } = club;
	expect(fake.violations, 'requests that broke Discord’s limits or interaction rules').toEqual([]);
	expect(
		fake.unexpected.map((request) => `${request.method} ${request.path}`),
		'requests to routes Discord does not have',
	).toEqual([]);
	expect(
		fake.unanswered().map((interaction) => interaction.id),
		'interactions never answered',
	).toEqual([]);
	expect(fake.gateway.problems, 'gateway protocol problems').toEqual([]);
}
