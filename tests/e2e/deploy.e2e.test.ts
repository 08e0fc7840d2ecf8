/**
 * `npm run deploy:guild` / `deploy:global` as an operator runs them (scripts/deploy.ts in its own process,
 * configured by the environment only) against the fake Discord: one bulk overwrite with exactly the
 * commands in `commands/`, a dry run that needs no token, and one-line errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { commandBodies } from '../../src/deploy.js';
import { TOKEN, expectClean, runNode, startClub, type Club } from './harness.js';

const REJECTED = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs';
const NAMES = COMMANDS.map((command) => command.data.name);
let club: Club;

beforeAll(async () => {
	club = await startClub({ token: TOKEN });
});

afterAll(async () => {
	await club?.fake.close();
});

beforeEach(() => {
	club.fake.commands.clear();
});

const env = (extra: Record<string, string> = {}) => ({
	DISCORD_TOKEN: TOKEN,
	DISCORD_API_URL: club.fake.api,
	...extra,
});
const deploy = (scope: 'guild' | 'global', extra: Record<string, string> = {}, args: string[] = []) =>
	runNode('scripts/deploy.ts', [scope, ...args], env(extra));
const puts = () => club.fake.requests.filter((request) => request.method === 'PUT');

describe('deploying the commands', () => {
	test('Given deploy:guild, then the test server has exactly the commands in commands/, sent in one bulk overwrite', async () => {
		const before = puts().length;
		const result = await deploy('guild', { DISCORD_GUILD_ID: club.guilds.ko.id });
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toBe(
			`Registered ${NAMES.length} commands in server ${club.guilds.ko.id}: ${NAMES.map((name) => `/${name}`).join(', ')}\n`,
		);
		expect(
			puts()
				.slice(before)
				.map((request) => request.route),
		).toEqual(['/applications/:app/guilds/:guild/commands']);
		const registered = club.fake.registeredCommands(club.guilds.ko.id);
		expect(registered.map((command) => command.name)).toEqual(NAMES);
		for (const [index, body] of commandBodies(COMMANDS).entries()) expect(registered[index]).toMatchObject(body);
		expect(club.fake.registeredCommands('global')).toEqual([]);
		expectClean(club);
	});

	test('Given deploy:global over an older set, then every server gets exactly the current commands and the old one is gone', async () => {
		club.fake.commands.set('global', [{ id: '300000000000000001', name: 'her-trivia', description: 'old', type: 1 }]);
		const result = await deploy('global');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`Registered ${NAMES.length} commands in every server (global`);
		expect(club.fake.registeredCommands('global').map((command) => command.name)).toEqual(NAMES);
		expect(club.fake.registeredCommands(club.guilds.ko.id)).toEqual([]);
		expectClean(club);
	});
});

describe('removing the commands', () => {
	test('Given guild copies left from testing, then deploy:guild --clear removes them and leaves the global ones', async () => {
		await deploy('global');
		await deploy('guild', { DISCORD_GUILD_ID: club.guilds.ko.id });
		const result = await deploy('guild', { DISCORD_GUILD_ID: club.guilds.ko.id }, ['--clear']);
		expect(result.code).toBe(0);
		expect(result.stdout).toBe(`Removed every command of this bot from server ${club.guilds.ko.id}.\n`);
		expect(club.fake.registeredCommands(club.guilds.ko.id)).toEqual([]);
		expect(club.fake.registeredCommands('global').map((command) => command.name)).toEqual(NAMES);
		expectClean(club);
	});
});

// Each of these starts its own process and changes nothing, so they run side by side.
describe('deploying the commands, without changing anything', () => {
	test.concurrent(
		'Given --dry-run and no token at all, then it prints the JSON it would send and touches nothing',
		async () => {
			const before = club.fake.requests.length;
			const result = await runNode('scripts/deploy.ts', ['guild', '--dry-run'], {});
			expect(result.code).toBe(0);
			expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(commandBodies(COMMANDS))));
			expect(club.fake.requests.length).toBe(before);
		},
	);

	test.each<{ problem: string; extra: Record<string, string>; says: string }>([
		{
			problem: 'a server the bot is not in',
			extra: { DISCORD_GUILD_ID: '123456789012345678' },
			says: 'the bot is not in DISCORD_GUILD_ID',
		},
		{ problem: 'no DISCORD_GUILD_ID', extra: {}, says: 'DISCORD_GUILD_ID is not set' },
		{
			problem: 'a token Discord rejects',
			extra: { DISCORD_TOKEN: REJECTED, DISCORD_GUILD_ID: '123456789012345678' },
			says: 'Discord rejected DISCORD_TOKEN',
		},
	])('Given deploy:guild with $problem, then it exits non-zero with one line saying so', async ({ extra, says }) => {
		const result = await deploy('guild', extra);
		expect(result.code).toBe(1);
		expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(says)]);
		expect(result.stderr).not.toContain(REJECTED);
		expect(result.stderr).not.toContain(TOKEN);
		expect(club.fake.registeredCommands(club.guilds.ko.id)).toEqual([]);
	});
});

describe('a deploy with no scope, or one it does not know', () => {
	test.each<{ problem: string; args: string[] }>([
		{ problem: 'a typo in the scope (gild)', args: ['gild'] },
		{ problem: 'no scope at all', args: [] },
		{ problem: 'only --dry-run', args: ['--dry-run'] },
		{ problem: 'a typo in a flag (--dryrun)', args: ['global', '--dryrun'] },
	])('Given $problem, then it exits 2 with a one-line usage and Discord sees no request', async ({ args }) => {
		club.fake.commands.set('global', [{ id: '300000000000000001', name: 'her-trivia', description: 'old', type: 1 }]);
		const before = club.fake.requests.length;
		const result = await runNode('scripts/deploy.ts', args, env({ DISCORD_GUILD_ID: club.guilds.ko.id }));
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr.trim().split('\n')).toEqual([
			expect.stringMatching(/^her-film-club deploy: usage: .*guild\|global/),
		]);
		expect(club.fake.requests.length).toBe(before);
		expect(club.fake.registeredCommands('global').map((command) => command.name)).toEqual(['her-trivia']);
	});
});
