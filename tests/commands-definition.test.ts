import { ApplicationCommandOptionType, type APIApplicationCommandOption } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../commands/index.js';
import { AUDIENCE_CHOICES, THEME_CHOICES } from '../src/choices.js';
import { loadDataset } from '../src/dataset/load.js';
import { AUDIENCES } from '../src/dataset/schema.js';
import { commandBodies } from '../src/deploy.js';
import { checkCommands } from './fake-discord/limits.js';

const dataset = loadDataset();

function allOptions(options: readonly APIApplicationCommandOption[] = []): APIApplicationCommandOption[] {
	return options.flatMap((option) => [option, ...allOptions('options' in option ? option.options : [])]);
}

describe('the command list', () => {
	test('Then every command passes Discord’s limits as the bulk overwrite body', () => {
		expect(checkCommands(commandBodies(COMMANDS))).toEqual([]);
	});

	test('Then names are unique and every description, option and choice has a Korean version', () => {
		const names = COMMANDS.map((command) => command.data.name);
		expect(new Set(names).size).toBe(names.length);
		for (const { data } of COMMANDS) {
			expect(data.description_localizations?.ko, data.name).toBeTruthy();
			for (const option of allOptions(data.options)) {
				expect(option.description_localizations?.ko, `${data.name} ${option.name}`).toBeTruthy();
				for (const choice of ('choices' in option ? option.choices : undefined) ?? []) {
					expect(choice.name_localizations?.ko, `${data.name} ${option.name} ${choice.value}`).toBeTruthy();
				}
			}
		}
	});

	test('Then every command works in servers only', () => {
		for (const { data } of COMMANDS) expect(data.contexts, data.name).toEqual([0]);
	});

	test('Then the subcommands a command declares as public posts (for the flood limit) are its own', () => {
		for (const { data, publicPost } of COMMANDS) {
			const subcommands = (data.options ?? [])
				.filter((option) => option.type === ApplicationCommandOptionType.Subcommand)
				.map((option) => option.name);
			if (Array.isArray(publicPost?.command))
				expect(subcommands, data.name).toEqual(expect.arrayContaining(publicPost.command));
		}
		const declared = COMMANDS.filter((command) => command.publicPost).map((command) => command.data.name);
		expect(declared).toEqual(['her-quote', 'her-question', 'her-recommend', 'her-reflection']);
	});
});

describe('choices and the dataset', () => {
	test('Then the theme choices are exactly the themes of data/themes.json, with the same labels', () => {
		expect(THEME_CHOICES.map((choice) => [choice.value, choice.name, choice.name_localizations?.ko])).toEqual(
			dataset.themes.map((theme) => [theme.id, theme.label.en, theme.label.ko]),
		);
	});

	test('Then every audience choice has at least one recommendation, and every recommendation an audience choice', () => {
		expect(AUDIENCE_CHOICES.map((choice) => choice.value)).toEqual([...AUDIENCES]);
		for (const audience of AUDIENCES) {
			expect(
				dataset.recommendations.some((item) => item.audience === audience),
				audience,
			).toBe(true);
		}
	});

	test('Then every theme used by an item can be chosen', () => {
		const choosable = new Set(THEME_CHOICES.map((choice) => choice.value));
		const used = [...dataset.quotes, ...dataset.questions].flatMap((item) => item.themes);
		for (const theme of used) expect(choosable.has(theme), theme).toBe(true);
	});
});
