// `npm run data:check`: the same validation the bot runs at start, standalone, with counts per kind and how often
// the reviews' passages are drawn on.
import { DatasetError, loadDataset } from '../src/dataset/load.js';
import { MAX_ITEMS_PER_PASSAGE, passageUse } from '../src/dataset/passages.js';

try {
	const data = loadDataset();
	const spoilers = (items: { spoiler: boolean }[]) => items.filter((i) => i.spoiler).length;
	const rows: [string, number, string][] = [
		['sources', data.sources.length, ''],
		['themes', data.themes.length, ''],
		['quotes', data.quotes.length, `${spoilers(data.quotes)} spoilers`],
		[
			'questions',
			data.questions.length,
			`${data.questions.filter((q) => q.origin === 'verbatim').length} verbatim, ${spoilers(data.questions)} spoilers`,
		],
		['recommendations', data.recommendations.length, ''],
		['reflections', data.reflections.length, ''],
		['watch-party beats', data.watchParty.beats.length, ''],
	];
	console.log('Dataset OK');
	for (const [kind, count, note] of rows)
		console.log(`  ${kind.padEnd(18)} ${String(count).padStart(3)}${note ? `  (${note})` : ''}`);

	const items = [...data.quotes, ...data.questions, ...data.recommendations, ...data.reflections];
	const uses = passageUse(data.sources, items);
	console.log(`\nPassages (sentences of the reviews; at most ${MAX_ITEMS_PER_PASSAGE} items each)`);
	for (const source of data.sources) {
		// Sentences without Korean (the blog's date line) are not passages anyone would draw on.
		const mine = uses.filter((use) => use.review === source.id && /\p{Script=Hangul}/u.test(use.sentence));
		const used = (n: number) => mine.filter((use) => use.items.length === n).length;
		console.log(
			`  ${source.id.padEnd(28)} ${String(mine.length).padStart(3)} sentences: ` +
				`${used(0)} unused, ${used(1)} used once, ${used(2)} used twice`,
		);
	}
	const unused = uses.filter((use) => use.items.length === 0 && use.sentence.length > 20);
	if (unused.length > 0) {
		console.log('\nNot yet drawn on:');
		for (const use of unused) console.log(`  ${use.review}: ${use.sentence.slice(0, 70)}…`);
	}
} catch (error) {
	if (!(error instanceof DatasetError)) throw error;
	console.error(error.message);
	process.exitCode = 1;
}
