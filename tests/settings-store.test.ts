import { describe, expect, test } from 'vitest';
import { SettingsStore } from '../src/store/settings.js';
import { DATABASE_KINDS, openTestDatabase } from './support/databases.js';

const NOW = new Date('2025-05-14T00:00:00Z');
const guild = { id: '100000000000000001', preferredLocale: 'ko' };

describe.each(DATABASE_KINDS)('SettingsStore on %s', (kind) => {
	test('Given posts were already written in the default language, when an admin sets another, then the next post follows it', async () => {
		const settings = new SettingsStore(await openTestDatabase(kind));
		expect(await settings.publicLangs(guild)).toEqual(['ko']);
		await settings.setLanguage(guild.id, 'both', NOW);
		expect(await settings.publicLangs(guild)).toEqual(['ko', 'en']);
		await settings.setLanguage(guild.id, 'en', NOW);
		expect(await settings.publicLangs(guild)).toEqual(['en']);
	});

	test('Given a setting saved before a restart, then the restarted bot reads it', async () => {
		const db = await openTestDatabase(kind);
		await new SettingsStore(db).setLanguage(guild.id, 'en', NOW);
		expect(await new SettingsStore(db).publicLangs(guild)).toEqual(['en']);
	});
});
