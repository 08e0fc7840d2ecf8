import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../commands/index.js';
import { commandBodies } from '../src/deploy.js';
import { sameCommands } from '../src/register.js';

const wanted = commandBodies(COMMANDS);

/** What Discord lists for `wanted` (GET with_localizations=true): the bodies plus the fields Discord adds. */
function asDiscordLists(bodies: readonly object[]): Record<string, unknown>[] {
	return structuredClone(bodies as Record<string, unknown>[])
		.reverse()
		.map((body, index) => ({
			id: `30000000000000000${index}`,
			application_id: '100000000000000001',
			version: `31000000000000000${index}`,
			type: 1,
			default_member_permissions: null,
			dm_permission: true,
			default_permission: true,
			nsfw: false,
			integration_types: [0],
			contexts: [0, 1, 2],
			...body,
		}));
}

function changed(edit: (commands: Record<string, any>[]) => void): Record<string, unknown>[] {
	const listed = asDiscordLists(wanted);
	edit(listed);
	return listed;
}

describe('comparing the registered commands with commands/', () => {
	test('Given what Discord lists for the current commands (ids, versions and defaults added, another order), then nothing needs sending', () => {
		expect(sameCommands(wanted, asDiscordLists(wanted))).toBe(true);
	});

	test('Given Discord drops `required: false` and lists contexts in another order, then they still match', () => {
		// The bot may spell out defaults that Discord then leaves out of its answer.
		const withDefaults = COMMANDS.map(({ data }) => ({
			...data,
			nsfw: false,
			options: data.options?.map((option) => ('required' in option ? option : { ...option, required: false })),
		}));
		const listed = changed((commands) => {
			for (const command of commands) if (Array.isArray(command.contexts)) command.contexts.reverse();
		});
		expect(sameCommands(withDefaults, listed)).toBe(true);
	});

	test.each<[string, (commands: Record<string, any>[]) => void]>([
		['a description changed', (commands) => (commands[0]!.description = 'An older description')],
		['a Korean description changed', (commands) => (commands[0]!.description_localizations = { ko: '예전 설명' })],
		[
			'an option is missing',
			(commands) => {
				const withOptions = commands.find((command) => (command.options?.length ?? 0) > 0)!;
				withOptions.options = withOptions.options.slice(1);
			},
		],
		['a command the bot no longer has', (commands) => commands.push({ ...commands[0], name: 'her-trivia' })],
		['a command is missing', (commands) => commands.pop()],
		['a permission requirement set by hand in Discord', (commands) => (commands[0]!.default_member_permissions = '32')],
	])('Given %s, then they differ and the commands are overwritten', (_, edit) => {
		expect(sameCommands(wanted, changed(edit))).toBe(false);
	});

	test('Given a command that stops requiring a permission, then the one Discord still has counts as a difference', () => {
		const settings = wanted.find((body) => body.name === 'her-settings')!;
		const relaxed = { ...settings };
		delete relaxed.default_member_permissions;
		const listed = asDiscordLists([settings]);
		expect(sameCommands([relaxed], listed)).toBe(false);
	});
});
