/**
 * The bot as an operator runs it: `npm start` (src/index.ts through tsx) in its own process, configured
 * only by the environment, from an empty folder so no developer .env is read. Killed without warning and
 * started again on the same database it loses nothing and posts nothing twice; a token Discord rejects
 * ends the start with one line.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/dataset/load.js';
import { contentText } from '../../src/i18n/content.js';
import { renderText } from '../../src/render/messages.js';
import type { Json } from '../fake-discord/index.js';
import {
	TOKEN,
	expectClean,
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
