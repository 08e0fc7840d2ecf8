/**
 * The bot as `npm start` runs it on PostgreSQL (`DATABASE_URL`), against the suite's real PostgreSQL server,
 * reached through a line the test can cut (tests/support/cuttable-proxy.ts): a restart of the server or a
 * network cut, as the bot sees it.
 */
import { afterEach, expect, inject, test } from 'vitest';
import { common } from '../../src/i18n/common.js';
import { ReflectionStore } from '../../src/reflection/store.js';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy.js';
import { createPostgresDatabase, openSharedDatabase } from '../support/databases.js';
import {
	eventually,
	isEphemeral,
	scheduleDueNow,
	spawnBot,
	startClub,
	use,
	type Club,
	type SpawnedBot,
} from './harness.js';

const running: { bot?: SpawnedBot; club?: Club; line?: CuttableProxy } = {};
afterEach(async () => {
	await running.bot?.kill('SIGKILL');
	await running.club?.fake.close();
	await running.line?.close();
});

test('Given the bot on PostgreSQL and the line to it cut, then members get an apology, the log says so once, and the daily prompt due meanwhile goes out once when it is back', async () => {
	const club = (running.club = await startClub());
	const server = new URL(inject('postgresUrl'));
	const { url, name } = await createPostgresDatabase();
	const line = (running.line = await startCuttableProxy({ host: server.hostname, port: Number(server.port) }));
	const bot = (running.bot = spawnBot(club, {
		databasePath: '',
		env: { DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${line.port}/${name}` },
	}));
	await bot.ready;

	line.cut();
	// The daily prompt falls due while the bot cannot reach its database (an admin set it from another host).
	const now = new Date();
	const where = { guildId: club.guilds.en.id, channelId: club.guilds.en.general };
	await scheduleDueNow(url, [where], now);
	const store = new ReflectionStore(await openSharedDatabase({ url }));

	const asked = await use(club, { kind: 'command', name: 'her-quote', ...where, user: club.users.en });
	expect(asked.response.data?.content).toBe(common.en.databaseAway);
	expect(isEphemeral(asked.response.data)).toBe(true);
	// The jobs keep ticking against the cut line (the watch party's every second, the reflection's every five).
	await eventually(() => line.dropped >= 8, 'the bot to try its database several times', 30_000);
	expect(club.fake.messages(where.channelId).filter((message) => !isEphemeral(message))).toEqual([]);

	line.mend();
	await club.fake.waitUntil(() => club.fake.messages(where.channelId).some((message) => !isEphemeral(message)), {
		what: 'the daily prompt',
		timeoutMs: 20_000,
	});
	await eventually(
		() => bot.logs().some((record) => record.msg === 'the database is back; jobs carry on where they were'),
		'the bot to say the database is back',
	);
	// Recorded as sent: nothing is left that could post it again.
	await eventually(() => store.lastSent(where), 'the prompt recorded as sent');
	const said = bot.logs().map((record) => String(record.msg));
	expect(said.filter((msg) => msg.startsWith('the database is unreachable'))).toHaveLength(1);
	expect(said.filter((msg) => msg.startsWith('the database is back'))).toHaveLength(1);
	expect(said).not.toContain('job failed');
	expect(club.fake.messages(where.channelId).filter((message) => !isEphemeral(message))).toHaveLength(1);
});
