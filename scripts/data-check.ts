// `npm run data:check`: the same validation the bot runs at start, standalone, with counts per kind.
import { DatasetError, loadDataset } from '../src/dataset/load.js';

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
} catch (error) {
	if (!(error instanceof DatasetError)) throw error;
	console.error(error.message);
	process.exitCode = 1;
}
