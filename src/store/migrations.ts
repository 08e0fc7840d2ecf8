/** One entry per schema change, applied in order; `PRAGMA user_version` records the last applied. */
export interface Migration {
	readonly version: number;
	readonly name: string;
	readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: 'guild settings and rotation',
		sql: `
			CREATE TABLE guild_settings (
				guild_id TEXT PRIMARY KEY,
				language TEXT NOT NULL CHECK (language IN ('ko', 'en', 'both')),
				updated_at INTEGER NOT NULL
			);
			-- Items already shown in a scope (a channel or a guild) for one pool; cleared when the pool is used up.
			CREATE TABLE rotation_seen (
				scope TEXT NOT NULL,
				pool TEXT NOT NULL,
				item_id TEXT NOT NULL,
				seen_at INTEGER NOT NULL,
				PRIMARY KEY (scope, pool, item_id)
			);
		`,
	},
	{
		version: 2,
		name: 'daily reflection schedules and posts',
		sql: `
			-- One daily reflection schedule per guild. next_due_at is epoch ms; the scheduler polls it.
			CREATE TABLE reflection_schedules (
				guild_id TEXT PRIMARY KEY,
				channel_id TEXT NOT NULL,
				time TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
				time_zone TEXT NOT NULL,
				role_id TEXT,
				thread INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1)),
				next_due_at INTEGER NOT NULL,
				paused_reason TEXT,
				paused_detail TEXT,
				paused_at INTEGER,
				updated_by TEXT NOT NULL,
				updated_at INTEGER NOT NULL
			);
			CREATE INDEX reflection_schedules_due ON reflection_schedules (next_due_at) WHERE paused_reason IS NULL;
			-- One row per guild and local date: claimed before sending, so a day is posted at most once
			-- across crashes and processes. nonce is the Discord message nonce every retry reuses.
			CREATE TABLE reflection_posts (
				guild_id TEXT NOT NULL,
				local_date TEXT NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
				nonce TEXT NOT NULL,
				reflection_id TEXT NOT NULL,
				channel_id TEXT NOT NULL,
				claimed_by TEXT NOT NULL,
				claimed_at INTEGER NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 1,
				message_id TEXT,
				thread_id TEXT,
				sent_at INTEGER,
				failure TEXT,
				PRIMARY KEY (guild_id, local_date)
			);
		`,
	},
];
