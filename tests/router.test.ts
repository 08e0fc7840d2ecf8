import { Writable } from 'node:stream';
import { ApplicationCommandOptionType, DiscordAPIError, MessageFlags, RESTJSONErrorCodes } from 'discord.js';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import type { Command } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { common } from '../src/i18n/common.js';
import { createRouter } from '../src/router.js';
import { createTestContext } from './support/context.js';
import { TestDiscord } from './support/discord.js';

function capturingLogger() {
	const lines: any[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			lines.push(JSON.parse(chunk.toString()));
			callback();
		},
	});
	return { logger: pino({ level: 'debug' }, stream), lines };
}

const failing = (behaviour: 'user' | 'crash' | 'crash-after-defer'): Command => ({
	data: {
		name: 'her-test',
		description: 'test',
		options: [{ type: ApplicationCommandOptionType.String, name: 'x', description: 'x' }],
	},
	async execute(interaction) {
		if (behaviour === 'user') throw new UserError({ ko: '시간 형식이 틀렸어요', en: 'That time is not valid' });
		if (behaviour === 'crash-after-defer') await interaction.deferReply();
		throw new Error('secret internal detail at /srv/bot.ts:12');
	},
});

async function setup(command: Command) {
	const { ctx } = await createTestContext();
	const { logger, lines } = capturingLogger();
	const discord = new TestDiscord({ now: ctx.now, guilds: ctx.guilds });
	const route = createRouter([command], { ...ctx, logger });
	return { discord, route, lines };
}

describe('router error boundary', () => {
	test.each([
		['ko', '시간 형식이 틀렸어요'],
		['en-GB', 'That time is not valid'],
	])('Given a user error and a %s caller, then they see it alone, in their language', async (locale, text) => {
		const command = failing('user');
		const { discord, route, lines } = await setup(command);
		await route(discord.chatInput(command, {}, { locale }));
		expect(discord.responses()).toMatchObject([{ type: 4, data: { content: text, flags: MessageFlags.Ephemeral } }]);
		expect(lines.some((line) => line.level >= 50)).toBe(false);
	});

	test('Given an unexpected error, then the caller gets a short apology and the log has the error with context', async () => {
		const command = failing('crash');
		const { discord, route, lines } = await setup(command);
		await route(discord.chatInput(command, {}, { locale: 'ko' }));
		const [response] = discord.responses();
		expect(response.data.content).toBe('봇 쪽에서 문제가 생겼어요. 잠시 후 다시 시도해 주세요.');
		expect(response.data.content).not.toContain('secret');
		const logged = lines.find((line) => line.msg === 'interaction failed');
		expect(logged).toMatchObject({ command: 'her-test', guildId: expect.any(String), userId: expect.any(String) });
		expect(logged.err.message).toContain('secret internal detail');
	});

	test('Given a failure after the reply was deferred, then the deferred reply is edited into the apology', async () => {
		const command = failing('crash-after-defer');
		const { discord, route } = await setup(command);
		await route(discord.chatInput(command));
		const edit = discord.sent('@original', 'PATCH')[0];
		expect(edit?.body.content).toBe('Something went wrong on our side. Please try again in a moment.');
	});

	const discordSays = (code: number, message: string) => ({
		data: { name: 'her-test', description: 'test' },
		async execute() {
			throw new DiscordAPIError({ code, message }, code, 404, 'POST', '/channels/1/messages/2/threads', {});
		},
	});

	test.each([
		[RESTJSONErrorCodes.UnknownMessage, 'Unknown Message'],
		[RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel'],
	])(
		'Given what the interaction was about is gone (%i %s), then the caller is told so, alone, in their language',
		async (code, message) => {
			const { discord, route } = await setup(discordSays(code, message));
			await route(discord.chatInput(discordSays(code, message), {}, { locale: 'ko' }));
			expect(discord.responses()).toMatchObject([
				{ type: 4, data: { content: common.ko.targetGone, flags: MessageFlags.Ephemeral } },
			]);
		},
	);

	test.each([
		[RESTJSONErrorCodes.UnknownInteraction, 'Unknown interaction'],
		[RESTJSONErrorCodes.UnknownWebhook, 'Unknown Webhook'],
	])('Given the interaction itself is gone (%i %s), then nothing more is sent', async (code, message) => {
		const { discord, route, lines } = await setup(discordSays(code, message));
		await route(discord.chatInput(discordSays(code, message)));
		expect(discord.responses()).toEqual([]);
		expect(lines.some((line) => line.level >= 40)).toBe(false);
	});

	test('Given a command this bot does not know, then the caller is told the commands need redeploying', async () => {
		const known = failing('user');
		const { discord, route } = await setup({ ...known, data: { ...known.data, name: 'her-other' } });
		await route(discord.chatInput(known));
		expect(discord.responses()[0].data.content).toContain('redeploy');
	});
});
