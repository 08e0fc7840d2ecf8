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
/** The position of a round's latest item. On SQLite it grows with every write to the round, a new round's included. */
const LATEST = 'SELECT MAX(position) FROM rotation_seen WHERE scope = ? AND pool = ?';
const NEW_ROUND = 'DELETE FROM rotation_seen WHERE scope = ? AND pool = ?';
/** Adds an item to the round as its latest (again, if it was in it already). */
const RECORD = `
	INSERT INTO rotation_seen (scope, pool, item_id, seen_at, position)
	VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM rotation_seen WHERE scope = ? AND pool = ?))
	ON CONFLICT (scope, pool, item_id) DO UPDATE SET seen_at = excluded.seen_at, position = excluded.position
`;
const RECORD_AT = `
	INSERT INTO rotation_seen (scope, pool, item_id, seen_at, position) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (scope, pool, item_id) DO UPDATE SET seen_at = excluded.seen_at, position = excluded.position
`;

/** A round as this process last wrote or read it; still right while the round's latest position is `latest`. */
interface KnownRound {
	latest: number;
	readonly seen: Set<string>;
	last: string | undefined;
}

/** The rounds kept in memory, the most recently used (a few KB each at most: the ids of one pool). */
const ROUNDS_KEPT = 500;

/** Remembers what a channel (or guild) has seen per pool, so items do not repeat until the pool is used up. */
export class RotationStore {
	private readonly rounds = new Map<string, KnownRound>();

	public constructor(private readonly db: Db) {}

	/**
	 * Picks and records the next id for `scope` (e.g. a channel id) in `pool` (e.g. `quote:theme=love`).
	 * Reading what was seen and recording the pick happen in one transaction under one lock, so two clicks
	 * at once (on one host or two) never pick the same item.
	 *
	 * On SQLite, every `/her-quote`'s path, that transaction runs synchronously (`inSqliteTransaction`) and
	 * reads the round's items only when it changed since this process last saw it: its latest position, one
	 * number, says so, since every write to a round (from this process or another) moves it on.
	 */
	public async next(
		scope: string,
		pool: string,
		ids: readonly string[],
		random: () => number,
		now: Date,
	): Promise<string | undefined> {
		const key = `${scope}\n${pool}`;
		const onSqlite = inSqliteTransaction(this.db, (statements) => {
			const latest = statements.column<number | null>(LATEST, scope, pool)[0] ?? 0;
			const known = this.rounds.get(key);
			const round = known?.latest === latest ? known : readRound(statements.column<string>(SEEN, scope, pool), latest);
			const pick = pickUnseen(ids, round.seen, random, round.last);
			if (!pick) return undefined;
			if (pick.newRound) statements.run(NEW_ROUND, scope, pool);
			statements.run(RECORD_AT, scope, pool, pick.id, now.getTime(), latest + 1);
			return { pick, round };
		});
		if (onSqlite) {
			const done = await onSqlite;
			if (!done) return undefined;
			// Committed: the round now holds the pick, at the next position.
			const { pick, round } = done;
			if (pick.newRound) round.seen.clear();
			round.seen.add(pick.id);
			round.latest += 1;
			round.last = pick.id;
			this.remember(key, round);
			return pick.id;
		}
		return this.db.transaction().execute(async (trx) => {
			await lockKey(trx, `rotation:${scope}:${pool}`);
			const seen = (await query<{ item_id: string }>(trx, SEEN, scope, pool)).map((row) => row.item_id);
			const pick = pickUnseen(ids, new Set(seen), random, seen[0]);
			if (!pick) return undefined;
			if (pick.newRound) await query(trx, NEW_ROUND, scope, pool);
			await query(trx, RECORD, scope, pool, pick.id, now.getTime(), scope, pool);
			return pick.id;
		});
	}

	/** Keeps `round` as the most recently used, forgetting the least recently used beyond ROUNDS_KEPT. */
	private remember(key: string, round: KnownRound): void {
		this.rounds.delete(key);
		this.rounds.set(key, round);
		if (this.rounds.size > ROUNDS_KEPT) this.rounds.delete(this.rounds.keys().next().value!);
	}

	/** Records an item shown directly (e.g. `/her-quote id:`), so the rotation does not show it again soon. */
	public async markSeen(scope: string, pool: string, id: string, now: Date): Promise<void> {
		await query(this.db, RECORD, scope, pool, id, now.getTime(), scope, pool);
	}
}

/** A round as read from the database: `seen` the latest first. */
function readRound(seen: readonly string[], latest: number): KnownRound {
	return { latest, seen: new Set(seen), last: seen[0] };
}

/** Runs one of the statements above through Kysely; PostgreSQL numbers its placeholders. */
async function query<R>(db: Db, text: string, ...parameters: unknown[]): Promise<R[]> {
	let n = 0;
	const numbered = databaseKind(db) === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
	return (await db.executeQuery<R>(CompiledQuery.raw(numbered, parameters))).rows;
}
