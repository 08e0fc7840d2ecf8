import type { Db } from './database.js';
import { langsFor, type Lang, type ServerLanguage } from '../i18n/index.js';

export class SettingsStore {
	/**
	 * What the table says per guild (null: no row), read once: every public post asks. Only this process
	 * writes a guild's row, since a guild's interactions all reach the one process (on whichever host) that
	 * has the guild's shard.
	 */
	private readonly cached = new Map<string, ServerLanguage | null>();

	public constructor(private readonly db: Db) {}

	/** The server's language for public posts; without a setting, its preferred locale decides. */
	public async language(guildId: string, preferredLocale: string | null | undefined): Promise<ServerLanguage> {
		let stored = this.cached.get(guildId);
		if (stored === undefined) {
			const row = await this.db
				.selectFrom('guild_settings')
				.select('language')
				.where('guild_id', '=', guildId)
				.executeTakeFirst();
			stored = row?.language ?? null;
			this.cached.set(guildId, stored);
		}
		return stored ?? defaultLanguage(preferredLocale);
	}

	/** The languages a public post in this server is written in (Korean first when both). */
	public async publicLangs(guild: { readonly id: string; readonly preferredLocale: string }): Promise<readonly Lang[]> {
		return langsFor(await this.language(guild.id, guild.preferredLocale));
	}

	public async setLanguage(guildId: string, language: ServerLanguage, now: Date): Promise<void> {
		await this.db
			.insertInto('guild_settings')
			.values({ guild_id: guildId, language, updated_at: now.getTime() })
			.onConflict((conflict) => conflict.column('guild_id').doUpdateSet({ language, updated_at: now.getTime() }))
			.execute();
		this.cached.set(guildId, language);
	}
}

export function defaultLanguage(preferredLocale: string | null | undefined): Lang {
	return preferredLocale?.startsWith('ko') ? 'ko' : 'en';
}
