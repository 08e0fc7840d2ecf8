import { sql } from 'kysely';
import { lockKey, type Db } from './database.js';

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
	public constructor(private readonly db: Db) {}

	/**
	 * Picks and records the next id for `scope` (e.g. a channel id) in `pool` (e.g. `quote:theme=love`).
	 * Reading what was seen and recording the pick happen in one transaction under one lock, so two clicks
	 * at once (on one host or two) never pick the same item.
	 */
	public async next(
		scope: string,
		pool: string,
		ids: readonly string[],
		random: () => number,
		now: Date,
	): Promise<string | undefined> {
		return this.db.transaction().execute(async (trx) => {
			await lockKey(trx, `rotation:${scope}:${pool}`);
			// What was seen, the latest first: one read gives both the seen set and the last item.
			const { rows: seen } = await sql<{ item_id: string }>`
				SELECT item_id FROM rotation_seen WHERE scope = ${scope} AND pool = ${pool} ORDER BY position DESC
			`.execute(trx);
			const pick = pickUnseen(ids, new Set(seen.map((row) => row.item_id)), random, seen[0]?.item_id);
			if (!pick) return undefined;
			if (pick.newRound) {
				await trx.deleteFrom('rotation_seen').where('scope', '=', scope).where('pool', '=', pool).execute();
			}
			await this.record(trx, scope, pool, pick.id, now);
			return pick.id;
		});
	}

	/** Records an item shown directly (e.g. `/her-quote id:`), so the rotation does not show it again soon. */
	public async markSeen(scope: string, pool: string, id: string, now: Date): Promise<void> {
		await this.record(this.db, scope, pool, id, now);
	}

	/** Adds `id` to the round as its latest item (again, if it was in it already). */
	private async record(db: Db, scope: string, pool: string, id: string, now: Date): Promise<void> {
		await sql`
			INSERT INTO rotation_seen (scope, pool, item_id, seen_at, position)
			VALUES (${scope}, ${pool}, ${id}, ${now.getTime()},
				(SELECT COALESCE(MAX(position), 0) + 1 FROM rotation_seen WHERE scope = ${scope} AND pool = ${pool}))
			ON CONFLICT (scope, pool, item_id) DO UPDATE SET seen_at = excluded.seen_at, position = excluded.position
		`.execute(db);
	}
}
