import { parseArgs } from 'node:util';
import { copyBetween, CopyError } from '../src/store/copy.js';
import { DatabaseOpenError } from '../src/store/database.js';

// `npm run db:copy -- --from var/her-film-club.sqlite --to "$DATABASE_URL"`: moves the bot's state (schedules,
// settings, rotations, parties) from one database to another. Stop the bot first; start it on the new one after.
const USAGE = 'usage: npm run db:copy -- --from <sqlite file or postgres:// URL> --to <sqlite file or postgres:// URL>';

let values: { from?: string; to?: string };
try {
	({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }));
} catch {
	values = {};
}
if (!values.from || !values.to) {
	process.stderr.write(`her-film-club db:copy: ${USAGE}\n`);
	process.exit(2);
}

try {
	const { counts, from, to } = await copyBetween(values.from, values.to);
	const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
	const tables = Object.entries(counts).map(([table, count]) => `${table} ${count}`);
	process.stdout.write(`Copied ${total} rows from ${from} to ${to}: ${tables.join(', ')}.\n`);
} catch (error) {
	if (error instanceof CopyError || error instanceof DatabaseOpenError) {
		process.stderr.write(`her-film-club db:copy: ${error.message}. Nothing was copied.\n`);
		process.exit(1);
	}
	throw error;
}
