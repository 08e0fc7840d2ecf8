/**
 * `npx tsx bench/parts.ts`: what each part of a `/her-quote` costs on its own, in microseconds per call (wall and CPU), on a
 * file database like the bot's. Guides the per-interaction work in README, Performance; not part of `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessagePayload, Options } from 'discord.js';
import { jsonTransformer } from '../src/client.js';
import { loadDataset } from '../src/dataset/load.js';
import { langsFor } from '../src/i18n/index.js';
import { quoteEmbed } from '../src/render/items.js';
import { openDatabase } from '../src/store/database.js';
import { RotationStore } from '../src/store/rotation.js';
import { SettingsStore } from '../src/store/settings.js';

const RUNS = 20_000;
const scratch = mkdtempSync(join(tmpdir(), 'her-parts-'));

async function time(label: string, run: (i: number) => unknown): Promise<void> {
	for (let i = 0; i < 2_000; i++) await run(i);
	const cpu = process.cpuUsage();
	const t0 = performance.now();
	for (let i = 0; i < RUNS; i++) await run(i);
	const wall = ((performance.now() - t0) / RUNS) * 1000;
	const used = process.cpuUsage(cpu);
	const cpuUs = (used.user + used.system) / RUNS;
	process.stdout.write(`${label.padEnd(58)} ${wall.toFixed(1).padStart(6)} µs (CPU ${cpuUs.toFixed(1)} µs)\n`);
}

try {
	const dataset = loadDataset();
	const db = await openDatabase({ path: join(scratch, 'parts.sqlite') });
	const rotation = new RotationStore(db);
	const settings = new SettingsStore(db);
	const ids = dataset.quotes.map((quote) => quote.id);
	const guild = { id: '123456789012345678', preferredLocale: 'ko' };
	await settings.setLanguage('223456789012345678', 'both', new Date());
	const langs = langsFor('both');
	const quote = dataset.quotes[0]!;
	const embed = quoteEmbed(dataset, quote, langs);
	const row = {
		type: 1,
		components: [
			{ type: 2, custom_id: 'her-quote:another:all', label: 'Another', style: 2 },
			{ type: 2, custom_id: 'her-quote:discuss:q1', label: 'Discuss', style: 2 },
		],
	};
	const transform = Options.createDefault().jsonTransformer as (value: unknown) => unknown;

	await time('rotation.next (50 channels)', (i) =>
		rotation.next(`c${i % 50}`, 'quote:all', ids, Math.random, new Date()),
	);
	await time('settings.publicLangs (no row)', () => settings.publicLangs(guild));
	await time('quoteEmbed (both languages)', (i) => quoteEmbed(dataset, dataset.quotes[i % ids.length]!, langs));
	await time("discord.js's default jsonTransformer on embed + buttons", () => [transform(embed), transform(row)]);
	await time("the bot's jsonTransformer on embed + buttons", () => [jsonTransformer(embed), jsonTransformer(row)]);
	const target = (jsonTransformer: (value: unknown) => unknown) =>
		({ client: { options: { jsonTransformer, allowedMentions: { parse: [] } } } }) as never;
	for (const [label, transformer] of [
		['default', transform],
		["the bot's", jsonTransformer],
	] as const) {
		await time(`discord.js resolving the reply (${label} jsonTransformer)`, () =>
			MessagePayload.create(target(transformer), { embeds: [embed], components: [row] }).resolveBody(),
		);
	}
	await time('JSON.stringify of the callback body', () =>
		JSON.stringify({ type: 4, data: { embeds: [embed], components: [row] } }),
	);
	await db.destroy();
} finally {
	rmSync(scratch, { recursive: true, force: true });
}
