import { Writable } from 'node:stream';
import { MessageFlags } from 'discord.js';
import { pino } from 'pino';
import { expect, inject, test } from 'vitest';
import herQuote from '../commands/her-quote.js';
import { COMMANDS } from '../commands/index.js';
import { common } from '../src/i18n/common.js';
import { createRouter } from '../src/router.js';
import { DatabaseOutage } from '../src/store/outage.js';
import { createTestContext } from './support/context.js';
import { startCuttableProxy } from './support/cuttable-proxy.js';
import { createPostgresDatabase } from './support/databases.js';
import { TestDiscord } from './support/discord.js';

test('Given PostgreSQL out of reach, then each member gets a short apology in their language, the log says so once, and it works again once the line is back', async () => {
	const server = new URL(inject('postgresUrl'));
	const line = await startCuttableProxy({ host: server.hostname, port: Number(server.port) });
	const { name } = await createPostgresDatabase();
	const { ctx } = await createTestContext({
		shared: { url: `postgres://postgres:postgres@127.0.0.1:${line.port}/${name}` },
	});
	const lines: { level: number; msg: string }[] = [];
	const logger = pino(
		{ level: 'info' },
		new Writable({
			write(chunk: Buffer, _encoding, callback) {
				lines.push(JSON.parse(chunk.toString()));
				callback();
			},
		}),
	);
	const route = createRouter(COMMANDS, { ...ctx, logger, outage: new DatabaseOutage(logger) });
	const discord = new TestDiscord({ now: ctx.now, guilds: ctx.guilds });

	line.cut();
	await route(discord.chatInput(herQuote, {}, { locale: 'ko' }));
	await route(discord.chatInput(herQuote, {}, { locale: 'en-US' }));
	expect(discord.responses().map((response) => response.data)).toMatchObject([
		{ content: common.ko.databaseAway, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
		{ content: common.en.databaseAway, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
	]);
	expect(lines.filter((entry) => entry.level >= 50).map((entry) => entry.msg)).toEqual([
		'the database is unreachable: members get an apology and jobs wait until it is back',
	]);

	line.mend();
	await route(discord.chatInput(herQuote, {}, { locale: 'en-US' }));
	expect(discord.responses().at(-1)?.data.embeds).toHaveLength(1);
	await line.close();
});
