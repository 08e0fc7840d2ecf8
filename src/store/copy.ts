import { sql } from 'kysely';
import { databaseKind, locate, openDatabase, redact, type Db } from './database.js';
import { PRIMARY_KEYS } from './schema.js';

/** The copy was refused before anything was written: a one-line reason for the operator. */
export class CopyError extends Error {
	public override readonly name = 'CopyError';
}

/** Rows per INSERT: well inside both databases' limits on bound parameters (about 25 columns each). */
const BATCH = 200;

type Table = keyof typeof PRIMARY_KEYS;
const TABLES = Object.keys(PRIMARY_KEYS) as Table[];

export type CopyCounts = Record<Table, number>;

/**
 * Copies every table of `from` into `to`, which must be empty (opening made its tables; no rows yet), in
 * one transaction: the copy is whole or nothing. Party ids are kept, and PostgreSQL's id sequence moves past
 * them, so new parties never collide with copied ones. Returns the rows copied per table.
 */
export async function copyDatabase(from: Db, to: Db): Promise<CopyCounts> {
	for (const table of TABLES) {
		const { rows } = await sql<{ count: number }>`SELECT COUNT(*) AS count FROM ${sql.table(table)}`.execute(to);
		if (Number(rows[0]?.count) > 0) {
			throw new CopyError(`the target already has rows in ${table}: copy into a new, empty database`);
		}
	}
	return to.transaction().execute(async (trx) => {
		const counts = {} as CopyCounts;
		for (const table of TABLES) {
			counts[table] = 0;
			for (let offset = 0; ; offset += BATCH) {
				// Ordered by the primary key, so paging never skips or repeats a row.
				const rows = await from
					.selectFrom(table)
					.selectAll()
					.orderBy(PRIMARY_KEYS[table].map((column) => sql.ref(column)))
					.limit(BATCH)
					.offset(offset)
					.execute();
				if (rows.length === 0) break;
				await trx.insertInto(table).values(rows).execute();
				counts[table] += rows.length;
			}
		}
		if (databaseKind(trx) === 'postgres') {
			await sql`SELECT setval(pg_get_serial_sequence('watch_parties', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM watch_parties`.execute(
				trx,
			);
		}
		return counts;
	});
}

/** `npm run db:copy -- --from A --to B`: each of A and B a SQLite file or a postgres:// URL. */
export async function copyBetween(from: string, to: string): Promise<{ counts: CopyCounts; from: string; to: string }> {
	const source = await openDatabase(locate(from));
	try {
		const target = await openDatabase(locate(to));
		try {
			return { counts: await copyDatabase(source, target), from: describe(from), to: describe(to) };
		} finally {
			await target.destroy();
		}
	} finally {
		await source.destroy();
	}
}

function describe(where: string): string {
	return 'url' in locate(where) ? redact(where) : where;
}
