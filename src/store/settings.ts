import type { Database } from 'better-sqlite3';
import { langsFor, type Lang, type ServerLanguage } from '../i18n/index.js';

export class SettingsStore {
	private readonly select;
	private readonly upsert;
	/**
	 * What the table says per guild (null: no row), read once: every public post asks. Only this process
	 * writes a guild's row, since a guild's interactions all reach the one process that has the guild.
	 */
	private readonly cached = new Map<string, ServerLanguage | null>();

	public constructor(db: Database) {
		this.select = db.prepare<[string], { language: ServerLanguage }>(
			'SELECT language FROM guild_settings WHERE guild_id = ?',
		);
		this.upsert = db.prepare<[string, ServerLanguage, number]>(
			`INSERT INTO guild_settings (guild_id, language, updated_at) VALUES (?, ?, ?)
			 ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`,
		);
	}

	/** The server's language for public posts; without a setting, its preferred locale decides. */
	public language(guildId: string, preferredLocale: string | null | undefined): ServerLanguage {
		let stored = this.cached.get(guildId);
		if (stored === undefined) {
			stored = this.select.get(guildId)?.language ?? null;
			this.cached.set(guildId, stored);
		}
		return stored ?? defaultLanguage(preferredLocale);
	}

	/** The languages a public post in this server is written in (Korean first when both). */
	public publicLangs(guild: { readonly id: string; readonly preferredLocale: string }): readonly Lang[] {
		return langsFor(this.language(guild.id, guild.preferredLocale));
	}

	public setLanguage(guildId: string, language: ServerLanguage, now: Date): void {
		this.upsert.run(guildId, language, now.getTime());
		this.cached.set(guildId, language);
	}
}

export function defaultLanguage(preferredLocale: string | null | undefined): Lang {
	return preferredLocale?.startsWith('ko') ? 'ko' : 'en';
}
