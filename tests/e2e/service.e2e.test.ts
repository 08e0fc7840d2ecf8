/**
 * Running the bot as a service, in this process against the fake Discord: it registers its own slash
 * commands where it is told to, `/healthz` follows the gateway, `/metrics` counts what members do, and
 * `/her-settings check` tells an admin what the bot may do in a channel.
 */
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { commandBodies } from '../../src/deploy.js';
import { operationsText } from '../../src/i18n/operations.js';
import type { Json } from '../fake-discord/index.js';
import { eventually, expectClean, isEphemeral, stopAfterEach, use, type Club, type InProcessBot } from './harness.js';

const { startClub, startInProcess } = stopAfterEach();
const NAMES = COMMANDS.map((command) => command.data.name);
const LOCAL = { host: '127.0.0.1', port: 0 };

const commandRequests = (club: Club) =>
	club.fake.requests.filter((request) => request.route.startsWith('/applications/:app/'));

async function get(bot: InProcessBot, path: string): Promise<{ status: number; body: string }> {
	const response = await fetch(`http://127.0.0.1:${bot.bot.health!.port}${path}`);
	return { status: response.status, body: await response.text() };
}

/** The value of one sample in Prometheus text, 0 when it has not been recorded yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
	const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
	const line = text
		.split('\n')
		.find(
			(candidate) =>
				(candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `)) &&
				wanted.every((label) => candidate.includes(label)),
		);
	return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('registering the slash commands', () => {
	test('Given DISCORD_GUILD_ID, then the bot registers its commands in that server only, sent once', async () => {
		const club = await startClub();
		club.fake.commands.clear();
		const before = commandRequests(club).length;
		const bot = await startInProcess(club, { config: { guildId: club.guilds.ko.id } });
		expect(club.fake.registeredCommands(club.guilds.ko.id).map((command) => command.name)).toEqual(NAMES);
		for (const [index, body] of commandBodies(COMMANDS).entries()) {
			expect(club.fake.registeredCommands(club.guilds.ko.id)[index]).toMatchObject(body);
		}
		expect(club.fake.registeredCommands('global')).toEqual([]);
		expect(
			commandRequests(club)
				.slice(before)
				.map((request) => `${request.method} ${request.route}`),
		).toEqual(['GET /applications/:app/guilds/:guild/commands', 'PUT /applications/:app/guilds/:guild/commands']);
		expect(bot.logs.some((record) => record.msg === `slash commands registered in server ${club.guilds.ko.id}`)).toBe(
			true,
		);
		expectClean(club);
	});

	test('Given the commands Discord already has, then a start sends no overwrite, only the one GET', async () => {
		const club = await startClub();
		const before = commandRequests(club).length;
		const bot = await startInProcess(club);
		expect(
			commandRequests(club)
				.slice(before)
				.map((request) => `${request.method} ${request.route} ${JSON.stringify(request.query)}`),
		).toEqual(['GET /applications/:app/commands {"with_localizations":"true"}']);
		expect(bot.logs.some((record) => record.msg === 'slash commands up to date globally')).toBe(true);
	});

	test('Given COMMANDS_REGISTER=off, then the bot leaves the commands alone', async () => {
		const club = await startClub();
		club.fake.commands.clear();
		const before = commandRequests(club).length;
		await startInProcess(club, { config: { registerCommands: false } });
		expect(commandRequests(club).slice(before)).toEqual([]);
		expect(club.fake.registeredCommands('global')).toEqual([]);
	});
});

describe('/healthz', () => {
	test('Given the gateway drops, then /healthz is 503 with the reason until the bot has resumed, then 200 again', async () => {
		const club = await startClub();
		const bot = await startInProcess(club, { config: { health: LOCAL } });
		expect(await get(bot, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}' });

		club.fake.gateway.holdResumes();
		const from = club.fake.gateway.ops.length;
		club.fake.closeGateway(4000);
		await club.fake.waitForResume({ from });
		const down = await get(bot, '/healthz');
		expect(down.status).toBe(503);
		expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', reason: 'gateway not connected: shard 0 Resuming' });

		club.fake.gateway.releaseResumes();
		await bot.waitForLog((record) => record.msg === 'gateway resumed');
		expect(await get(bot, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}' });
		expectClean(club);
	});

	test('Given the database is gone, then /healthz says so', async () => {
		const club = await startClub();
		const bot = await startInProcess(club, { config: { health: LOCAL } });
		await bot.bot.ctx.db.destroy();
		expect(await get(bot, '/healthz')).toEqual({
			status: 503,
			body: JSON.stringify({ status: 'unavailable', reason: 'database does not answer' }),
		});
	});
});

describe('/metrics', () => {
	test('Given members use commands and Discord rate-limits one reply, then the counters move and the gauges are there', async () => {
		const club = await startClub({ heartbeatIntervalMs: 200 });
		const bot = await startInProcess(club, { config: { health: LOCAL } });
		const where = { guildId: club.guilds.en.id, channelId: club.guilds.en.general, user: club.users.en };
		const before = (await get(bot, '/metrics')).body;

		club.fake.failNext({
			method: 'POST',
			path: '/interactions/:interaction/:token/callback',
			status: 429,
			scope: 'shared',
		});
		await club.fake.reply((await use(club, { kind: 'command', name: 'her-quote', ...where })).id);
		await club.fake.reply((await use(club, { kind: 'command', name: 'her-quote', ...where })).id);
		const denied = await use(club, {
			kind: 'command',
			name: 'her-settings',
			subcommand: 'language',
			options: { language: 'ko' },
			...where,
		});
		expect(isEphemeral(denied.response.data)).toBe(true);
		// The ping gauge needs one heartbeat answered.
		await club.fake.waitForOp(11, { dir: 'out' });
		await eventually(() => bot.bot.client.ws.ping >= 0, 'a gateway ping');

		const { status, body } = await get(bot, '/metrics');
		expect(status).toBe(200);
		const moved = (name: string, labels: Record<string, string>) =>
			sample(body, name, labels) - sample(before, name, labels);
		expect(moved('her_interactions_total', { command: 'her-quote', kind: 'command', outcome: 'ok' })).toBe(2);
		expect(moved('her_interactions_total', { command: 'her-settings', kind: 'command', outcome: 'user-error' })).toBe(
			1,
		);
		expect(moved('her_interaction_duration_seconds_count', { command: 'her-quote', kind: 'command' })).toBe(2);
		expect(moved('her_rest_429_total', { scope: 'shared' })).toBe(1);
		expect(sample(body, 'her_guilds')).toBe(3);
		expect(sample(body, 'her_job_tick_duration_seconds_count', { job: 'reflection' })).toBeGreaterThan(0);
		expect(body).toMatch(/^her_gateway_ping_seconds\{shard="0"\} \d/m);
		for (const name of ['her_daily_posts_total', 'her_watchparty_beats_total', 'her_job_lag_seconds']) {
			expect(body).toContain(`# TYPE ${name}`);
		}
		expectClean(club);
	});
});

describe('/her-settings check', () => {
	const check = async (club: Club, options: Record<string, string> = {}) => {
		const { id } = await use(club, {
			kind: 'command',
			name: 'her-settings',
			subcommand: 'check',
			options,
			guildId: club.guilds.ko.id,
			channelId: club.guilds.ko.general,
			user: club.users.koAdmin,
		});
		return club.fake.reply(id);
	};

	test('Given a channel where the bot may not post, then a Korean admin sees each missing permission with its fix, in Korean', async () => {
		const club = await startClub();
		await startInProcess(club);
		const message = await check(club, { channel: club.guilds.ko.channels.locked! });
		expect(isEphemeral(message)).toBe(true);
		const [embed] = message.embeds as Json[];
		const text = String(embed!.description);
		expect(embed!.title).toBe(operationsText.ko.checkTitle('#locked'));
		expect(text).toContain(operationsText.ko.toFix(3));
		expect(text).toContain('❌ 메시지 보내기 — ');
		expect(text).toContain('❌ 링크 첨부 — ');
		expect(text).toContain('❌ 공개 스레드 만들기 — ');
		expect(text).toContain('✅ 채널 보기');
		expect(text).toContain(operationsText.ko.threadsBlocked);
		expectClean(club);
	});

	test('Given nothing is scheduled and no channel is named, then the admin is told how to name one', async () => {
		const club = await startClub();
		await startInProcess(club);
		expect((await check(club)).content).toBe(operationsText.ko.nothingConfigured);
	});
});
