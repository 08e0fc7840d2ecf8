import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../src/logger.js';

const BOT_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';
const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmFiY2RlZmdoaWprbG1ub3A';
const API = 'https://discord.com/api/v10';

function capture() {
	const lines: string[] = [];
	const logger = createLogger('debug', { secrets: [BOT_TOKEN], destination: { write: (line) => lines.push(line) } });
	return { logger, lines };
}

describe('log lines never hold a token', () => {
	test('Given a failed interaction callback (an HTTPError after 5xx), then its url keeps the route but not the token', () => {
		const { logger, lines } = capture();
		const url = `${API}/interactions/1300000000000000001/${INTERACTION_TOKEN}/callback?with_response=false`;
		const error = new HTTPError(500, 'Internal Server Error', 'POST', url, { body: { type: 4 } });
		logger.error({ err: error }, 'interaction failed');
		expect(lines.join('')).not.toContain(INTERACTION_TOKEN);
		const logged = JSON.parse(lines[0]!) as { err: { url: string; stack: string } };
		expect(logged.err.url).toBe(`${API}/interactions/1300000000000000001/[redacted]/callback?with_response=false`);
	});

	test('Given a failed webhook edit whose token also appears in the message, the stack and a cause, then none of them keeps it', () => {
		const { logger, lines } = capture();
		const path = `/webhooks/1000000000000000001/${INTERACTION_TOKEN}/messages/@original`;
		const error = new DiscordAPIError(
			{ code: 10008, message: `Unknown Message at ${path}` },
			10008,
			404,
			'PATCH',
			`${API}${path}`,
			{ body: { content: 'hi' } },
		);
		logger.warn({ err: new Error(`could not edit ${path}`, { cause: error }) }, 'could not tell the user');
		expect(lines.join('')).not.toContain(INTERACTION_TOKEN);
		expect(lines.join('')).toContain('/webhooks/1000000000000000001/[redacted]/messages/@original');
	});

	test('Given the bot token anywhere in a record, then it is replaced and the line is still JSON', () => {
		const { logger, lines } = capture();
		logger.info({ detail: `Bot ${BOT_TOKEN}`, token: BOT_TOKEN }, `login with ${BOT_TOKEN}`);
		expect(lines[0]).not.toContain(BOT_TOKEN);
		expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'login with [redacted]', detail: 'Bot [redacted]' });
	});
});
