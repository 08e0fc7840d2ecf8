import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';

describe('loadConfig', () => {
	test('Given only a token, then every other setting takes its documented default', () => {
		const config = loadConfig({ DISCORD_TOKEN: TOKEN });
		expect(config).toEqual({
			token: TOKEN,
			applicationId: undefined,
			guildId: undefined,
			apiUrl: 'https://discord.com/api',
			databasePath: 'var/her-film-club.sqlite',
			logLevel: 'info',
			floodLimit: 5,
			autoShard: true,
		});
		expect(Object.isFrozen(config)).toBe(true);
	});

	test('Given no token, then one message names it and points at .env.example and the README', () => {
		expect(() => loadConfig({})).toThrow(ConfigError);
		expect(() => loadConfig({})).toThrow(/DISCORD_TOKEN is missing.*\.env\.example.*README\.md/);
	});

	test('Given several bad values, then all of them are reported at once and the token is never echoed', () => {
		const bad = 'not-a-token-but-secret-looking';
		let message = '';
		try {
			loadConfig({ DISCORD_TOKEN: bad, DISCORD_GUILD_ID: 'abc', DISCORD_API_URL: 'ftp://x', LOG_LEVEL: 'loud' });
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toContain('DISCORD_TOKEN does not look like a bot token');
		expect(message).toContain('DISCORD_GUILD_ID must be a Discord ID');
		expect(message).toContain('DISCORD_API_URL must be an http(s) URL');
		expect(message).toContain('LOG_LEVEL');
		expect(message).not.toContain(bad);
	});

	test('Given empty lines copied from .env.example, then they count as unset', () => {
		const config = loadConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_URL: '', DISCORD_GUILD_ID: '  ' });
		expect(config.apiUrl).toBe('https://discord.com/api');
		expect(config.guildId).toBeUndefined();
	});

	test('Given a REST proxy URL with a trailing slash, then it is used as the REST base without it', () => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_URL: 'http://127.0.0.1:8080/api/' }).apiUrl).toBe(
			'http://127.0.0.1:8080/api',
		);
	});

	test('Given a discord.js ShardingManager started the process, then its shard assignment is kept', () => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, SHARDS: '[0]', SHARD_COUNT: '2' }).autoShard).toBe(false);
	});

	test('Given FLOOD_LIMIT, then 0 turns the flood limit off and anything but a whole number is reported', () => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, FLOOD_LIMIT: '0' }).floodLimit).toBe(0);
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, FLOOD_LIMIT: '12' }).floodLimit).toBe(12);
		for (const bad of ['lots', '2.5', '-1']) {
			expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, FLOOD_LIMIT: bad })).toThrow(
				'FLOOD_LIMIT must be a whole number (0 turns the limit off)',
			);
		}
	});

	test('Given a dry run that needs no token, then a missing token is fine', () => {
		expect(loadConfig({}, { requireToken: false }).token).toBe('');
	});
});
