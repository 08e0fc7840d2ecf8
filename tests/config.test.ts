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
			registerCommands: true,
			health: undefined,
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

	test.each([
		['http://127.0.0.1:8080', 'http://127.0.0.1:8080/api'],
		['http://proxy-host:8080/', 'http://proxy-host:8080/api'],
		['https://discord.com/api/v10', 'https://discord.com/api'],
		['http://10.0.0.5:8080/discord/api', 'http://10.0.0.5:8080/discord/api'],
	])('Given DISCORD_API_URL=%s, then discord.js is given %s and adds the API version itself', (url, base) => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_URL: url }).apiUrl).toBe(base);
	});

	test('Given a discord.js ShardingManager started the process, then its shard assignment is kept', () => {
		// It sets SHARDS to the shard's id alone, a JSON number.
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, SHARDS: '1', SHARD_COUNT: '2' }).autoShard).toBe(false);
	});

	test.each<[Record<string, string>, string]>([
		[{ SHARDS: '[0]', SHARD_COUNT: '2' }, 'one host of two'],
		[{ SHARDS: '[2,3]', SHARD_COUNT: '4' }, 'the second host of two, two shards each'],
		[{ SHARDS: ' [ 1, 0 ] ', SHARD_COUNT: '2' }, 'every shard, any order, with spaces'],
		[{ SHARD_COUNT: '2' }, 'a fixed count, all its shards in this process'],
	])('Given %o (%s), then this host runs the shards it was given, not as many as Discord recommends', (env) => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, ...env }).autoShard).toBe(false);
	});

	test.each<[Record<string, string>, string]>([
		[{ SHARDS: '[1]' }, 'SHARDS=[1] needs SHARD_COUNT: set it to the total number of shards over all hosts'],
		[{ SHARDS: '[2]', SHARD_COUNT: '2' }, 'SHARDS=[2] is outside SHARD_COUNT=2: shard ids run from 0 to 1'],
		[{ SHARDS: '[0,4]', SHARD_COUNT: '4' }, 'SHARDS=[0,4] is outside SHARD_COUNT=4: shard ids run from 0 to 3'],
		[{ SHARDS: '[0,1,0]', SHARD_COUNT: '2' }, 'SHARDS=[0,1,0] names shard 0 twice: list each shard id once'],
		[{ SHARDS: '[0.5]', SHARD_COUNT: '2' }, "SHARDS must be this host's shard ids as JSON, such as [0,1] (not [0.5])"],
		[{ SHARDS: '[-1]', SHARD_COUNT: '2' }, "SHARDS must be this host's shard ids as JSON, such as [0,1] (not [-1])"],
		[{ SHARDS: '0,1', SHARD_COUNT: '2' }, "SHARDS must be this host's shard ids as JSON, such as [0,1] (not 0,1)"],
		[{ SHARDS: '["0"]', SHARD_COUNT: '2' }, 'SHARDS must be this host\'s shard ids as JSON, such as [0,1] (not ["0"])'],
		[{ SHARDS: '[]', SHARD_COUNT: '2' }, "SHARDS must be this host's shard ids as JSON, such as [0,1] (not [])"],
		[{ SHARDS: '[0]', SHARD_COUNT: '0' }, 'SHARD_COUNT must be the total number of shards over all hosts'],
		[{ SHARDS: '[0]', SHARD_COUNT: 'two' }, 'SHARD_COUNT must be the total number of shards over all hosts'],
		[{ SHARD_COUNT: '1.5' }, 'SHARD_COUNT must be the total number of shards over all hosts'],
	])('Given %o, then the start stops with one line that says what is wrong and how to fix it', (env, problem) => {
		let message = '';
		try {
			loadConfig({ DISCORD_TOKEN: TOKEN, ...env });
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			message = (error as Error).message;
		}
		expect(message).toContain(`Configuration problem: ${problem}`);
		expect(message).not.toContain('\n');
	});

	test('Given bad shards and another bad value, then both are reported together', () => {
		expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, SHARDS: '[2]', SHARD_COUNT: '2', LOG_LEVEL: 'loud' })).toThrow(
			/LOG_LEVEL .*; SHARDS=\[2\] is outside SHARD_COUNT=2/,
		);
	});

	test('Given HEALTH_PORT alone, then health and metrics listen on that port of 127.0.0.1 only', () => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, HEALTH_PORT: '9464' }).health).toEqual({ host: '127.0.0.1', port: 9464 });
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, HEALTH_PORT: '9464', HEALTH_HOST: '0.0.0.0' }).health).toEqual({
			host: '0.0.0.0',
			port: 9464,
		});
	});

	test('Given COMMANDS_REGISTER=off, then npm start leaves the commands to the deploy scripts', () => {
		expect(loadConfig({ DISCORD_TOKEN: TOKEN, COMMANDS_REGISTER: 'off' }).registerCommands).toBe(false);
	});

	test('Given a bad HEALTH_PORT and COMMANDS_REGISTER, then both are reported together', () => {
		expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, HEALTH_PORT: 'http', COMMANDS_REGISTER: 'maybe' })).toThrow(
			/COMMANDS_REGISTER must be on or off; HEALTH_PORT must be a port number/,
		);
		expect(() => loadConfig({ DISCORD_TOKEN: TOKEN, HEALTH_PORT: '70000' })).toThrow(/HEALTH_PORT must be a port/);
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
