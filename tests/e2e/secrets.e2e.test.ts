/**
 * No token in the logs: the bot as `npm start` runs it, at LOG_LEVEL=debug, walks every path that logs a
 * failed request (the first reply, an edit of the deferred reply, a follow-up, a post in a channel, each
 * failing with 5xx until discord.js gives up), and its whole output is then searched for the bot token and
 * for every interaction token the fake Discord handed out. Interaction tokens are also webhook tokens
 * (`/webhooks/:app/:token/...`), so this covers both.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { Fault, Json } from '../fake-discord/index.js';
import {
	TOKEN,
	buttonId,
	eventually,
	isEphemeral,
	runNode,
	spawnBot,
	startClub,
	tempDatabase,
	use,
	type Club,
	type LogRecord,
	type SpawnedBot,
} from './harness.js';

const CALLBACK = '/interactions/:interaction/:token/callback';
const ORIGINAL = '/webhooks/:app/:token/messages/@original';
const FOLLOW_UP = '/webhooks/:app/:token';
const CHANNEL_POST = '/channels/:channel/messages';
const START_THREAD = '/channels/:channel/messages/:message/threads';
/** More failures than discord.js retries, so each request in the scenario fails for good. */
const FOR_GOOD = 50;

const running: { bot?: SpawnedBot; club?: Club } = {};

afterEach(async () => {
	await running.bot?.kill('SIGKILL');
	await running.club?.fake.close();
	running.bot = undefined;
	running.club = undefined;
});

describe('secrets in the logs', () => {
	test('Given every logged kind of failed request at LOG_LEVEL=debug, then no output line holds the bot token or any interaction token', async () => {
		const club = (running.club = await startClub({ token: TOKEN }));
		const bot = (running.bot = spawnBot(club, { databasePath: tempDatabase(), env: { LOG_LEVEL: 'debug' } }));
		await bot.ready;
		const where = { guildId: club.guilds.en.id, channelId: club.guilds.en.general };
		const logged = (id: string, msg: string) => (record: LogRecord) =>
			record.interactionId === id && record.msg === msg;
		const gaveUp = 'could not tell the user about the failure';
		/** Runs `act` while every request matching `faults` fails, until the bot has logged `msg` for it. */
		const failing = async (faults: Fault[], act: () => string, msg: string): Promise<string> => {
			for (const fault of faults) club.fake.failNext({ count: FOR_GOOD, ...fault });
			const id = act();
			await eventually(() => bot.logs().some(logged(id, msg)), `"${msg}" to be logged`, 15_000);
			club.fake.clearFaults();
			return id;
		};
		const quote = async (): Promise<Json> =>
			club.fake.reply((await use(club, { kind: 'command', name: 'her-quote', ...where })).id);
		const press = (message: Json, action: string) =>
			club.fake.interact({
				kind: 'button',
				customId: buttonId(message, action),
				messageId: String(message.id),
				...where,
			}).id;

		// The first reply fails, and so does telling the member.
		const unanswered = await failing(
			[{ method: 'POST', path: CALLBACK, status: 500 }],
			() => club.fake.interact({ kind: 'command', name: 'her-quote', ...where }).id,
			gaveUp,
		);
		// A Discuss whose reply is rate limited once (logged with its route) and then goes through.
		const discussed = await quote();
		club.fake.failNext({ method: 'PATCH', path: ORIGINAL, status: 429, retryAfter: 0.05 });
		await club.fake.reply(press(discussed, 'discuss'));
		await eventually(() => bot.logs().some((record) => record.msg === 'rate limited'), 'the rate limit to be logged');
		const posted = await quote();
		// Discuss: the thread can't be opened, and editing the deferred reply into the apology fails too.
		await failing(
			[
				{ method: 'POST', path: START_THREAD, status: 500 },
				{ method: 'PATCH', path: ORIGINAL, status: 503 },
			],
			() => press(posted, 'discuss'),
			gaveUp,
		);
		// /her-question thread:true: the thread can't be opened and the follow-up saying so fails.
		await failing(
			[
				{ method: 'POST', path: START_THREAD, status: 502 },
				{ method: 'POST', path: FOLLOW_UP, status: 500 },
			],
			() => club.fake.interact({ kind: 'command', name: 'her-question', options: { thread: true }, ...where }).id,
			gaveUp,
		);
		// Discuss again on a fresh quote: the question can't be posted into the new thread.
		const another = await quote();
		const apologized = await failing(
			[{ method: 'POST', path: CHANNEL_POST, status: 500 }],
			() => press(another, 'discuss'),
			'interaction failed',
		);
		expect(isEphemeral(await club.fake.reply(apologized))).toBe(true);

		const { stdout, stderr } = await bot.kill('SIGTERM');
		const output = stdout + stderr;
		const failures = bot.logs().filter((record) => record.err !== undefined);
		expect(failures.length).toBeGreaterThanOrEqual(8);
		// The failing URLs are still logged, for whoever debugs it, with the token cut out.
		expect(output).toContain(`/interactions/${unanswered}/[redacted]/callback`);
		expect(output).toContain(`/webhooks/${club.fake.applicationId}/[redacted]`);
		const tokens = [TOKEN, ...[...club.fake.interactions.values()].map((interaction) => interaction.token)];
		expect(tokens.length).toBeGreaterThanOrEqual(7);
		expect(tokens.filter((token) => output.includes(token))).toEqual([]);
	});

	test('Given a DISCORD_TOKEN that is malformed and another bad setting, then npm start says so in one line without the token', async () => {
		const malformed = 'MTAwMDAwMDAwMDAwMDAwMDAx-looks-secret-but-has-no-dots';
		const result = await runNode('src/index.ts', [], { DISCORD_TOKEN: malformed, LOG_LEVEL: 'loud' });
		expect(result.code).toBe(1);
		expect(result.stderr.trim().split('\n')).toEqual([
			expect.stringContaining('DISCORD_TOKEN does not look like a bot token'),
		]);
		expect(result.stderr).toContain('LOG_LEVEL');
		expect(result.stdout + result.stderr).not.toContain(malformed);
	});
});
