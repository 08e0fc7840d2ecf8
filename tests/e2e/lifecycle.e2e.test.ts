/**
 * `npm start` over a bot's life, in its own process as a service manager runs it: the first start
 * registers the slash commands and says where, with the invite URL; a restart costs one GET; SIGTERM
 * stops it cleanly, within 8 s, without losing or repeating a daily post, and still answers a member
 * whose Discuss was half-way through.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { operationsText } from '../../src/i18n/operations.js';
import { contentText } from '../../src/i18n/content.js';
import { ReflectionStore } from '../../src/reflection/store.js';
import { openDatabase } from '../../src/store/database.js';
import type { Json } from '../fake-discord/index.js';
import {
	buttonId,
	eventually,
	expectClean,
	isEphemeral,
	spawnBot,
	startClub,
	tempDatabase,
	use,
	type Club,
	type SpawnedBot,
} from './harness.js';

const running: { bots: SpawnedBot[]; club?: Club } = { bots: [] };

afterEach(async () => {
	for (const bot of running.bots.splice(0)) await bot.kill('SIGKILL');
	await running.club?.fake.close();
	running.club = undefined;
});

async function openClub(): Promise<Club> {
	running.club = await startClub();
	return running.club;
}

function bot(club: Club, databasePath: string, env: Record<string, string> = {}): SpawnedBot {
	const started = spawnBot(club, { databasePath, env });
	running.bots.push(started);
	return started;
}

/** SIGTERM, once the bot has taken it in ("shutting down" logged), does `meanwhile`; then waits for the exit. */
async function terminate(started: SpawnedBot, meanwhile: () => Promise<void> | void = () => undefined) {
	const sentAt = performance.now();
	started.child.kill('SIGTERM');
	await eventually(() => started.logs().some((record) => record.msg === 'shutting down'), 'the bot to take SIGTERM');
	await meanwhile();
	const result = await started.exited;
	return { ...result, tookMs: performance.now() - sentAt };
}

/** A zone and its HH:MM for `now`, away from local midnight, so a schedule saved for it is due today, at once. */
function dueNow(now: Date): { time: string; timeZone: string } {
	const local = (timeZone: string) =>
		new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
	const seoul = local('Asia/Seoul');
	const timeZone = seoul.startsWith('23') || seoul.startsWith('00') ? 'Europe/London' : 'Asia/Seoul';
	return { time: local(timeZone), timeZone };
}

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
		const db = openDatabase(databasePath);
		const store = new ReflectionStore(db);
		const now = new Date();
		for (const guild of guilds) {
			const input = { guildId: guild.id, channelId: club.fake.general(guild.id), ...dueNow(now) };
			store.save({ ...input, roleId: null, thread: false, updatedBy: '400000000000000001' }, now);
		}
		db.prepare('UPDATE reflection_schedules SET next_due_at = ?').run(now.getTime() - 1_000);
		db.close();
		const posts = () => guilds.map((guild) => club.fake.messages(club.fake.general(guild.id)).length);
		const total = () => posts().reduce((sum, count) => sum + count, 0);

		// The first five posts go through; the next ones hang in Discord until the bot has taken SIGTERM.
		const held = club.fake.hold('POST', '/channels/:channel/messages', { after: 5 });
		const first = bot(club, databasePath);
		await club.fake.waitUntil(() => held.waiting > 0, { what: 'a post held in flight' });
		const stopped = await terminate(first, () => held.release());
		expect(stopped.code).toBe(0);
		expect(stopped.stderr).toBe('');
		expect(stopped.tookMs).toBeLessThan(8_000);
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

		const held = club.fake.hold('POST', '/channels/:channel/messages/:message/threads');
		const discuss = club.fake.interact({
			kind: 'button',
			customId: buttonId(quote, 'discuss'),
			messageId: String(quote.id),
			...where,
			user: club.users.ko,
		});
		await club.fake.waitUntil(() => held.waiting > 0, { what: 'the thread being opened' });

		let meanwhile: Json | undefined;
		const stopped = await terminate(started, async () => {
			const late = await use(club, { kind: 'command', name: 'her-quote', ...where, user: club.users.en });
			meanwhile = late.response.data;
			held.release();
		});
		expect(stopped.code).toBe(0);
		expect(stopped.tookMs).toBeLessThan(8_000);

		const answer = await club.fake.reply(discuss.id);
		const [thread] = club.fake.threads(where.channelId);
		expect(answer.content).toBe(contentText.ko.threadOpened(String(thread!.id)));
		expect(meanwhile).toMatchObject({ content: operationsText.en.restarting });
		expect(isEphemeral(meanwhile)).toBe(true);
		expectClean(club);
	});
});
