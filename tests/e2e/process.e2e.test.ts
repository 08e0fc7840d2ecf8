/**
 * The bot as an operator runs it: `npm start` (src/index.ts through tsx) in its own process, configured
 * only by the environment, from an empty folder so no developer .env is read. Killed without warning and
 * started again on the same database it loses nothing and posts nothing twice; a token Discord rejects
 * ends the start with one line. The first start registers the slash commands and says where, with the invite
 * URL, and a restart costs one GET; SIGTERM stops it within 8 s without losing or repeating a daily post, and
 * still answers a member whose Discuss was half-way through.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { loadDataset } from '../../src/dataset/load.js';
import { contentText } from '../../src/i18n/content.js';
import { operationsText } from '../../src/i18n/operations.js';
import { renderText } from '../../src/render/messages.js';
import type { Json } from '../fake-discord/index.js';
import {
	TOKEN,
	buttonId,
	scheduleDueNow,
	eventually,
	expectClean,
	hold,
	isEphemeral,
	spawnBot,
	startClub,
	tempDatabase,
	use,
	type Club,
	type SpawnedBot,
} from './harness.js';

const dataset = loadDataset();
const running: { bots: SpawnedBot[]; club?: Club } = { bots: [] };

afterEach(async () => {
	for (const bot of running.bots.splice(0)) await bot.kill('SIGKILL');
	await running.club?.fake.close();
	running.club = undefined;
});

async function openClub(options: Parameters<typeof startClub>[0] = {}): Promise<Club> {
	running.club = await startClub(options);
	return running.club;
}

function bot(club: Club, databasePath: string, env: Record<string, string> = {}): SpawnedBot {
	const started = spawnBot(club, { databasePath, env });
	running.bots.push(started);
	return started;
}

/**
 * SIGTERM, once the bot has taken it in ("shutting down" logged), does `meanwhile`; then waits for the exit.
 * `cutShort` lists what stopped the bot short of a drained stop: its drain deadline, or the 8 s backstop of
 * src/index.ts (which exits 1). That backstop is what holds a stop inside Docker's grace, so the tests check
 * which way the bot stopped, not the wall clock, which a loaded machine stretches.
 */
async function terminate(started: SpawnedBot, meanwhile: () => Promise<void> | void = () => undefined) {
	started.child.kill('SIGTERM');
	await eventually(() => started.logs().some((record) => record.msg === 'shutting down'), 'the bot to take SIGTERM');
	await meanwhile();
	const result = await started.exited;
	const cutShort = started
		.logs()
		.map((record) => String(record.msg))
		.filter((msg) => msg.startsWith('stopped before everything in flight finished') || msg.startsWith('did not stop'));
	return { ...result, cutShort };
}

describe('npm start', () => {
	test('Given the bot is killed (SIGKILL) and started again on the same database, then the language setting and the quote rotation carry on and nothing is posted twice', async () => {
		const club = await openClub();
		const databasePath = tempDatabase();
		const where = { guildId: club.guilds.ko.id, channelId: club.guilds.ko.general };
		const theme = 'love';
		const pool = dataset.quotes.filter((quote) => quote.themes.includes(theme)).map((quote) => quote.id);
		const shown: string[] = [];
		const askForQuote = async (): Promise<Json> => {
			const { id } = await use(club, { kind: 'command', name: 'her-quote', options: { theme }, ...where });
			const message = await club.fake.reply(id);
			shown.push(String((message.embeds as Json[])[0]!.footer.text));
			return message;
		};

		const first = bot(club, databasePath);
		await first.ready;
		const setting = await use(club, {
			kind: 'command',
			name: 'her-settings',
			subcommand: 'language',
			options: { language: 'en' },
			...where,
			user: club.users.koAdmin,
		});
		expect((await club.fake.reply(setting.id)).content).toBe(
			contentText.ko.languageSet(contentText.ko.languageNames.en),
		);
		// Half the theme's quotes before the crash, half after: a forgotten rotation would repeat one.
		while (shown.length < pool.length / 2) await askForQuote();

		const killed = await first.kill('SIGKILL');
		expect(killed.signal).toBe('SIGKILL');

		const second = bot(club, databasePath);
		await second.ready;
		while (shown.length < pool.length) {
			const message = await askForQuote();
			// The Korean server was switched to English before the crash, and still is.
			expect((message.embeds as Json[])[0]!.description).toContain(renderText.en.original);
		}
		// Rotation kept what was shown before the crash: the pool is used up without a repeat.
		expect([...shown].sort()).toEqual([...pool].sort());

		const posts = club.fake.messages(where.channelId).filter((message) => !isEphemeral(message));
		expect(posts).toHaveLength(pool.length);
		expect(posts.every((message) => message.interaction_metadata !== undefined)).toBe(true);
		expect(club.fake.gateway.ops.filter((op) => op.dir === 'in' && op.op === 2)).toHaveLength(2);

		// Ctrl+C (SIGTERM from a service manager) stops it cleanly.
		const stopped = await second.kill('SIGTERM');
		expect(stopped.code).toBe(0);
		expect(stopped.stderr).toBe('');
		for (const output of [killed.stdout, stopped.stdout]) expect(output).not.toContain(TOKEN);
		expectClean(club);
	}, 90_000); // two bot processes start, one after the other (up to 30 s each on a loaded machine)

	test('Given a token Discord rejects, then npm start exits non-zero with one line, no stack trace, and the token is not printed', async () => {
		const rejected = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs';
		const club = await openClub({ token: TOKEN });
		const result = await bot(club, tempDatabase(), { DISCORD_TOKEN: rejected }).exited;
		expect(result.code).toBe(1);
		const lines = result.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain('Discord rejected DISCORD_TOKEN');
		expect(result.stderr).not.toMatch(/\n\s+at /);
		expect(result.stderr + result.stdout).not.toContain(rejected);
		expect(club.fake.gateway.sessions.size).toBe(0);
	});
});

describe('the first start', () => {
	test('Given Discord has none of the commands, then npm start registers them globally and logs where and the invite URL; a restart costs one GET', async () => {
		const club = await openClub();
		club.fake.commands.clear();
		const databasePath = tempDatabase();
		const from = club.fake.requests.length;
		const commandRequests = () =>
			club.fake.requests
				.slice(from)
				.filter((request) => request.route === '/applications/:app/commands')
				.map((request) => request.method);

		const first = bot(club, databasePath);
		await first.ready;
		expect(club.fake.registeredCommands('global').map((command) => command.name)).toEqual(
			COMMANDS.map((command) => command.data.name),
		);
		expect(commandRequests()).toEqual(['GET', 'PUT']);
		const messages = first.logs().map((record) => record.msg);
		expect(messages).toContain(
			'slash commands registered globally (new global commands can take a few minutes to show)',
		);
		expect(messages).toContainEqual(
			expect.stringMatching(
				new RegExp(
					`^invite the bot to a server: https://discord\\.com/oauth2/authorize\\?client_id=${club.fake.applicationId}&`,
				),
			),
		);
		expect((await terminate(first)).code).toBe(0);

		const second = bot(club, databasePath);
		await second.ready;
		expect(commandRequests()).toEqual(['GET', 'PUT', 'GET']);
		expect(second.logs().map((record) => record.msg)).toContain('slash commands up to date globally');
		expect((await terminate(second)).code).toBe(0);
		expectClean(club);
	});
});

describe('SIGTERM', () => {
	test('Given SIGTERM in the middle of a fan-out of daily posts, then it exits 0 within 8 s, and after the restart every server has exactly one post', async () => {
		const club = await openClub();
		const guilds = Array.from({ length: 30 }, (_, i) => club.fake.addGuild({ name: `club ${i}` }));
		const databasePath = tempDatabase();
		await scheduleDueNow(
			databasePath,
			guilds.map((guild) => ({ guildId: guild.id, channelId: club.fake.general(guild.id) })),
		);
		const posts = () => guilds.map((guild) => club.fake.messages(club.fake.general(guild.id)).length);
		const total = () => posts().reduce((sum, count) => sum + count, 0);

		// The first five posts go through; the next ones hang in Discord until the bot has taken SIGTERM.
		const held = hold(club.fake, { method: 'POST', path: '/channels/:channel/messages', after: 5 });
		const first = bot(club, databasePath);
		await club.fake.waitUntil(() => club.fake.held.size > 0, { what: 'a post held in flight' });
		const stopped = await terminate(first, () => held.release());
		expect(stopped.code).toBe(0);
		expect(stopped.cutShort).toEqual([]);
		expect(stopped.stderr).toBe('');
		// What was in flight was finished; nothing new was started.
		const beforeRestart = total();
		expect(beforeRestart).toBeGreaterThan(5);
		expect(beforeRestart).toBeLessThan(guilds.length);
		expect(Math.max(...posts())).toBe(1);

		const second = bot(club, databasePath, { HEALTH_PORT: '0' });
		await club.fake.waitUntil(() => posts().every((count) => count >= 1), {
			what: 'a post in every server',
			timeoutMs: 20_000,
		});
		expect(posts()).toEqual(guilds.map(() => 1));
		expect(club.fake.requests.filter((request) => request.route === '/channels/:channel/messages').length).toBe(
			guilds.length,
		);
		const { port } = second.logs().find((record) => record.msg === 'health and metrics listening') as unknown as {
			port: number;
		};
		const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
		// On time or late depends on the second the test started in; counted either way, and only once.
		const counted = [...metrics.matchAll(/^her_daily_posts_total\{outcome="(?:sent|late)"\} (\d+)$/gm)];
		expect(counted.reduce((sum, [, value]) => sum + Number(value), 0)).toBe(guilds.length - beforeRestart);
		expect((await terminate(second)).code).toBe(0);
		expectClean(club);
	});

	test('Given SIGTERM while Discuss is opening its thread, then the member still gets the thread, and a member who asks meanwhile is told the bot is restarting', async () => {
		const club = await openClub();
		const where = { guildId: club.guilds.ko.id, channelId: club.guilds.ko.general };
		const started = bot(club, tempDatabase());
		await started.ready;
		const quote = await club.fake.reply(
			(await use(club, { kind: 'command', name: 'her-quote', ...where, user: club.users.ko })).id,
		);

		const held = hold(club.fake, { method: 'POST', path: '/channels/:channel/messages/:message/threads' });
		const discuss = club.fake.interact({
			kind: 'button',
			customId: buttonId(quote, 'discuss'),
			messageId: String(quote.id),
			...where,
			user: club.users.ko,
		});
		await club.fake.waitUntil(() => club.fake.held.size > 0, { what: 'the thread being opened' });

		let meanwhile: Json | undefined;
		const stopped = await terminate(started, async () => {
			const late = await use(club, { kind: 'command', name: 'her-quote', ...where, user: club.users.en });
			meanwhile = late.response.data;
			held.release();
		});
		expect(stopped.code).toBe(0);
		expect(stopped.cutShort).toEqual([]);

		const answer = await club.fake.reply(discuss.id);
		const [thread] = club.fake.threads(where.channelId);
		expect(answer.content).toBe(contentText.ko.threadOpened(String(thread!.id)));
		expect(meanwhile).toMatchObject({ content: operationsText.en.restarting });
		expect(isEphemeral(meanwhile)).toBe(true);
		expectClean(club);
	});
});
