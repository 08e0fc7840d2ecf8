import type { Database } from 'better-sqlite3';

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

/** Remembers what a channel (or guild) has seen per pool, so items do not repeat until the pool is used up. */
export class RotationStore {
	private readonly selectSeen;
	private readonly insert;
	private readonly clear;
	private readonly pickTransaction;

	public constructor(db: Database) {
		// What was seen, the latest first: one read gives both the seen set and the last item.
		this.selectSeen = db
			.prepare<[string, string], string>(
				'SELECT item_id FROM rotation_seen WHERE scope = ? AND pool = ? ORDER BY seen_at DESC, rowid DESC',
			)
			.pluck();
		this.insert = db.prepare<[string, string, string, number]>(
			'INSERT OR REPLACE INTO rotation_seen (scope, pool, item_id, seen_at) VALUES (?, ?, ?, ?)',
		);
		this.clear = db.prepare<[string, string]>('DELETE FROM rotation_seen WHERE scope = ? AND pool = ?');
		// Reading what was seen and recording the pick happen in one transaction, so two clicks at once don't collide.
		this.pickTransaction = db.transaction(
			(scope: string, pool: string, ids: readonly string[], random: () => number, now: number) => {
				const seen = this.selectSeen.all(scope, pool);
				const pick = pickUnseen(ids, new Set(seen), random, seen[0]);
				if (!pick) return undefined;
				if (pick.newRound) this.clear.run(scope, pool);
				this.insert.run(scope, pool, pick.id, now);
				return pick.id;
			},
		);
	}

	/** Picks and records the next id for `scope` (e.g. a channel id) in `pool` (e.g. `quote:theme=love`). */
	public next(
		scope: string,
		pool: string,
		ids: readonly string[],
		random: () => number,
		now: Date,
	): string | undefined {
		return this.pickTransaction.immediate(scope, pool, ids, random, now.getTime());
	}

	/** Records an item shown directly (e.g. `/her-quote id:`), so the rotation does not show it again soon. */
	public markSeen(scope: string, pool: string, id: string, now: Date): void {
		this.insert.run(scope, pool, id, now.getTime());
	}
}
