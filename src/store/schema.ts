import type { Generated } from 'kysely';

/**
 * The tables as both databases hold them (see migrations.ts). Times are epoch milliseconds, flags are 0/1
 * integers, so a row reads the same from SQLite and PostgreSQL.
 */
export interface Tables {
	guild_settings: {
		guild_id: string;
		language: 'ko' | 'en' | 'both';
		updated_at: number;
	};
	rotation_seen: {
		scope: string;
		pool: string;
		item_id: string;
		seen_at: number;
		/** 1, 2, 3… in the order the round showed them: the highest is the item shown last. */
		position: number;
	};
	reflection_schedules: {
		guild_id: string;
		channel_id: string;
		time: string;
		time_zone: string;
		role_id: string | null;
		thread: number;
		days: Generated<number>;
		pin: Generated<number>;
		forum_tag_id: string | null;
		next_due_at: number;
		paused_reason: string | null;
		paused_detail: string | null;
		paused_at: number | null;
		held_at: number | null;
		held_by: string | null;
		updated_by: string;
		updated_locale: string | null;
		updated_at: number;
		notified_at: number | null;
		created_at: Generated<number>;
	};
	reflection_posts: {
		guild_id: string;
		channel_id: string;
		local_date: string;
		status: 'claimed' | 'sent' | 'failed' | 'skipped';
		nonce: string;
		reflection_id: string;
		claimed_by: string;
		claimed_at: number;
		first_claimed_at: number | null;
		attempts: Generated<number>;
		message_id: string | null;
		thread_id: string | null;
		sent_at: number | null;
		failure: string | null;
	};
	watch_parties: {
		id: Generated<number>;
		guild_id: string;
		channel_id: string;
		thread_id: string | null;
		host_id: string;
		title: string | null;
		status: 'setup' | 'running' | 'ended';
		end_reason: string | null;
		created_at: number;
		announce_message_id: string | null;
		welcome_message_id: string | null;
		control_message_id: string | null;
		countdown_message_id: string | null;
		event_id: string | null;
		start_at: number;
		film_offset_ms: number;
		paused_at: number | null;
		paused_total_ms: Generated<number>;
		countdown_shown: number | null;
		ended_at: number | null;
		skipped: Generated<string>;
		next_due_at: number | null;
		failures: Generated<number>;
	};
	watch_party_members: {
		party_id: number;
		user_id: string;
		joined_at: number;
	};
	watch_party_posts: {
		party_id: number;
		post_key: string;
		nonce: string;
		claimed_at: number;
		late: Generated<number>;
		message_id: string | null;
		lost_at: number | null;
	};
}

/** Each table's primary key, in the order a copy must fill the tables (parents before rows that reference them). */
export const PRIMARY_KEYS = {
	guild_settings: ['guild_id'],
	rotation_seen: ['scope', 'pool', 'item_id'],
	reflection_schedules: ['guild_id', 'channel_id'],
	reflection_posts: ['guild_id', 'channel_id', 'local_date'],
	watch_parties: ['id'],
	watch_party_members: ['party_id', 'user_id'],
	watch_party_posts: ['party_id', 'post_key'],
} as const satisfies { readonly [Table in keyof Tables]: readonly (keyof Tables[Table] & string)[] };
