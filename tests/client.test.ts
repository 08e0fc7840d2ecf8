import { Options, type APIEmbed } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { jsonTransformer } from '../src/client.js';
import { loadDataset } from '../src/dataset/load.js';
import { quoteEmbed } from '../src/render/items.js';

const snakeCase = Options.createDefault().jsonTransformer as (value: unknown) => unknown;

describe('the JSON sent for embeds and components', () => {
	test("Given the bot's own API-JSON payloads, then they go out exactly as discord.js's snake-casing would send them", () => {
		const dataset = loadDataset();
		const embeds: APIEmbed[] = dataset.quotes.map((quote) => quoteEmbed(dataset, quote, ['ko', 'en']));
		const row = {
			type: 1,
			components: [{ type: 2, custom_id: 'her-quote:another:all', label: 'Another', style: 2, emoji: { name: '💬' } }],
		};
		for (const payload of [...embeds, row]) expect(jsonTransformer(payload)).toEqual(snakeCase(payload));
	});

	test('Given camel-cased component data or a string emoji, then it is still snake-cased as discord.js does', () => {
		const data = { type: 1, components: [{ type: 2, customId: 'x:y', label: 'Go', style: 1, emoji: '💬' }] };
		const sent = jsonTransformer(data);
		expect(sent).toEqual(snakeCase(data));
		expect(sent).toMatchObject({ components: [{ custom_id: 'x:y', emoji: { name: '💬' } }] });
	});
});
