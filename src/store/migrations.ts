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
	{
		version: 3,
		name: 'watch parties',
		sql: `
			-- A watch party: where it runs, its messages, and its clock (see src/watchparty/timeline.ts).
			CREATE TABLE watch_parties (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				guild_id TEXT NOT NULL,
				-- Where /her-watchparty start ran; the party posts in thread_id (a thread, or that channel itself).
				channel_id TEXT NOT NULL,
				thread_id TEXT,
				host_id TEXT NOT NULL,
				title TEXT,
				status TEXT NOT NULL CHECK (status IN ('setup', 'running', 'ended')),
				end_reason TEXT,
				created_at INTEGER NOT NULL,
				announce_message_id TEXT,
				welcome_message_id TEXT,
				control_message_id TEXT,
				countdown_message_id TEXT,
				event_id TEXT,
				start_at INTEGER NOT NULL,
				film_offset_ms INTEGER NOT NULL,
				paused_at INTEGER,
				paused_total_ms INTEGER NOT NULL DEFAULT 0,
				countdown_shown INTEGER,
				ended_at INTEGER,
				-- JSON array of beat ids the group jumped over; posted beats are rows of watch_party_posts.
				skipped TEXT NOT NULL DEFAULT '[]',
				-- When the engine next has work for it; NULL while paused or ended.
				next_due_at INTEGER,
				failures INTEGER NOT NULL DEFAULT 0
			);
			CREATE UNIQUE INDEX watch_parties_one_active_per_channel ON watch_parties (channel_id) WHERE status <> 'ended';
			CREATE INDEX watch_parties_active_thread ON watch_parties (thread_id) WHERE status <> 'ended';
			CREATE INDEX watch_parties_due ON watch_parties (next_due_at) WHERE status = 'running';
			CREATE TABLE watch_party_members (
				party_id INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
				user_id TEXT NOT NULL,
				joined_at INTEGER NOT NULL,
				PRIMARY KEY (party_id, user_id)
			);
			-- One row per post (a beat or the wrap-up), claimed before sending, so nothing is posted twice.
			CREATE TABLE watch_party_posts (
				party_id INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
				post_key TEXT NOT NULL,
				nonce TEXT NOT NULL,
				claimed_at INTEGER NOT NULL,
				late INTEGER NOT NULL DEFAULT 0,
				message_id TEXT,
				PRIMARY KEY (party_id, post_key)
			);
		`,
	},
	{
		version: 4,
		name: 'index for wrap-ups waiting to be retried',
		sql: `
			CREATE INDEX watch_parties_wrap_up_retry ON watch_parties (next_due_at)
				WHERE status = 'ended' AND next_due_at IS NOT NULL;
		`,
	},
	{
		version: 5,
		name: 'watch-party posts given up on',
		sql: `
			-- Set when an unconfirmed beat was past Discord's nonce window and could not be found in the thread.
			ALTER TABLE watch_party_posts ADD COLUMN lost_at INTEGER;
		`,
	},
	{
		version: 6,
		name: 'daily reflection: first attempt, admin locale, admin told',
		sql: `
			-- claimed_at moves on every re-claim; a retry searches the channel from the first attempt on.
			ALTER TABLE reflection_posts ADD COLUMN first_claimed_at INTEGER;
			UPDATE reflection_posts SET first_claimed_at = claimed_at;
			-- The locale of the admin who ran schedule, to tell them in their language when it stops posting.
			ALTER TABLE reflection_schedules ADD COLUMN updated_locale TEXT;
			-- When that admin was told the schedule stopped posting; cleared once a prompt goes out again.
			ALTER TABLE reflection_schedules ADD COLUMN notified_at INTEGER;
			-- A paused schedule stays due: each due day it checks whether it can post again.
			DROP INDEX reflection_schedules_due;
			CREATE INDEX reflection_schedules_next_due ON reflection_schedules (next_due_at);
		`,
	},
	{
		version: 7,
		name: 'daily reflection: several schedules per server, rhythm, forums, pins, skip and pause',
		sql: `
			-- A server may have a schedule per channel; a schedule and its posts are keyed by that channel.
			-- Existing rows carry over as they are: every day (days = all seven bits), no pin, not held.
			CREATE TABLE reflection_schedules_v7 (
				guild_id TEXT NOT NULL,
				channel_id TEXT NOT NULL,
				time TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
				time_zone TEXT NOT NULL,
				role_id TEXT,
				thread INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1)),
				-- Local days it posts on, bit 0 = Sunday … bit 6 = Saturday.
				days INTEGER NOT NULL DEFAULT 127 CHECK (days BETWEEN 1 AND 127),
				pin INTEGER NOT NULL DEFAULT 0 CHECK (pin IN (0, 1)),
				-- The forum tag each post gets, in a forum channel.
				forum_tag_id TEXT,
				next_due_at INTEGER NOT NULL,
				paused_reason TEXT,
				paused_detail TEXT,
				paused_at INTEGER,
				-- Paused by an admin (/her-reflection pause): not due at all until resume.
				held_at INTEGER,
				held_by TEXT,
				updated_by TEXT NOT NULL,
				updated_locale TEXT,
				updated_at INTEGER NOT NULL,
				notified_at INTEGER,
				PRIMARY KEY (guild_id, channel_id)
			);
			INSERT INTO reflection_schedules_v7
				(guild_id, channel_id, time, time_zone, role_id, thread, next_due_at, paused_reason, paused_detail,
				 paused_at, updated_by, updated_locale, updated_at, notified_at)
			SELECT guild_id, channel_id, time, time_zone, role_id, thread, next_due_at, paused_reason, paused_detail,
				paused_at, updated_by, updated_locale, updated_at, notified_at
			FROM reflection_schedules;
			DROP TABLE reflection_schedules;
			ALTER TABLE reflection_schedules_v7 RENAME TO reflection_schedules;
			CREATE INDEX reflection_schedules_next_due ON reflection_schedules (next_due_at) WHERE held_at IS NULL;
			-- 'skipped': a day an admin skipped, so nothing claims it and rescheduling steps over it.
			CREATE TABLE reflection_posts_v7 (
				guild_id TEXT NOT NULL,
				channel_id TEXT NOT NULL,
				local_date TEXT NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
				nonce TEXT NOT NULL,
				reflection_id TEXT NOT NULL,
				claimed_by TEXT NOT NULL,
				claimed_at INTEGER NOT NULL,
				first_claimed_at INTEGER,
				attempts INTEGER NOT NULL DEFAULT 1,
				message_id TEXT,
				thread_id TEXT,
				sent_at INTEGER,
				failure TEXT,
				PRIMARY KEY (guild_id, channel_id, local_date)
			);
			INSERT INTO reflection_posts_v7
				(guild_id, channel_id, local_date, status, nonce, reflection_id, claimed_by, claimed_at, first_claimed_at,
				 attempts, message_id, thread_id, sent_at, failure)
			SELECT guild_id, channel_id, local_date, status, nonce, reflection_id, claimed_by, claimed_at, first_claimed_at,
				attempts, message_id, thread_id, sent_at, failure
			FROM reflection_posts;
			DROP TABLE reflection_posts;
			ALTER TABLE reflection_posts_v7 RENAME TO reflection_posts;
		`,
	},
];
