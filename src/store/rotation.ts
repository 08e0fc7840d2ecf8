import { CompiledQuery } from 'kysely';
import { databaseKind, inSqliteTransaction, lockKey, type Db } from './database.js';

/**
 * Picks one id from `pool` that is not in `seen`; once everything was seen, a new round starts
 * (still avoiding `last`, so a round boundary never shows the same item twice in a row). Pure.
 */
export function pickUnseen(
	pool: readonly string[],
	seen: ReadonlySet<string>,
	random: () => number,
	last?: string,
): { id: string; newRound: boolean } | undefined {
	if (pool.length === 0) return undefined;
	const fresh = pool.filter((id) => !seen.has(id));
	const newRound = fresh.length === 0;
	const candidates = newRound ? (pool.length > 1 ? pool.filter((id) => id !== last) : pool) : fresh;
	const id = candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
	return { id, newRound };
}

/** What a round has seen, the latest first: one read gives both the seen set and the last item. */
const SEEN = 'SELECT item_id FROM rotation_seen WHERE scope = ? AND pool = ? ORDER BY position DESC';
const NEW_ROUND = 'DELETE FROM rotation_seen WHERE scope = ? AND pool = ?';
/** Adds an item to the round as its latest (again, if it was in it already). */
const RECORD = `
	INSERT INTO rotation_seen (scope, pool, item_id, seen_at, position)
	VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM rotation_seen WHERE scope = ? AND pool = ?))
	ON CONFLICT (scope, pool, item_id) DO UPDATE SET seen_at = excluded.seen_at, position = excluded.position
`;

/** Remembers what a channel (or guild) has seen per pool, so items do not repeat until the pool is used up. */
export class RotationStore {
	public constructor(private readonly db: Db) {}

	/**
	 * Picks and records the next id for `scope` (e.g. a channel id) in `pool` (e.g. `quote:theme=love`).
	 * Reading what was seen and recording the pick happen in one transaction under one lock, so two clicks
	 * at once (on one host or two) never pick the same item. On SQLite that transaction runs synchronously
	 * (every `/her-quote` takes this path; see `inSqliteTransaction`), on PostgreSQL through Kysely.
	 */
	public async next(
		scope: string,
		pool: string,
		ids: readonly string[],
		random: () => number,
		now: Date,
	): Promise<string | undefined> {
		const picked = (seen: readonly string[]) => pickUnseen(ids, new Set(seen), random, seen[0]);
		const onSqlite = inSqliteTransaction(this.db, (statements) => {
			const pick = picked(statements.column<string>(SEEN, scope, pool));
			if (!pick) return undefined;
			if (pick.newRound) statements.run(NEW_ROUND, scope, pool);
			statements.run(RECORD, scope, pool, pick.id, now.getTime(), scope, pool);
			return pick.id;
		});
		if (onSqlite) return onSqlite;
		return this.db.transaction().execute(async (trx) => {
			await lockKey(trx, `rotation:${scope}:${pool}`);
			const seen = await query<{ item_id: string }>(trx, SEEN, scope, pool);
			const pick = picked(seen.map((row) => row.item_id));
			if (!pick) return undefined;
			if (pick.newRound) await query(trx, NEW_ROUND, scope, pool);
			await query(trx, RECORD, scope, pool, pick.id, now.getTime(), scope, pool);
			return pick.id;
		});
	}

	/** Records an item shown directly (e.g. `/her-quote id:`), so the rotation does not show it again soon. */
	public async markSeen(scope: string, pool: string, id: string, now: Date): Promise<void> {
		await query(this.db, RECORD, scope, pool, id, now.getTime(), scope, pool);
	}
}

/** Runs one of the statements above through Kysely; PostgreSQL numbers its placeholders. */
async function query<R>(db: Db, text: string, ...parameters: unknown[]): Promise<R[]> {
	let n = 0;
	const numbered = databaseKind(db) === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
	return (await db.executeQuery<R>(CompiledQuery.raw(numbered, parameters))).rows;
}
