import { describe, expect, test } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { SettingsStore } from '../src/store/settings.js';

const NOW = new Date('2025-05-14T00:00:00Z');
const guild = { id: '100000000000000001', preferredLocale: 'ko' };

describe('SettingsStore', () => {
	test('Given posts were already written in the default language, when an admin sets another, then the next post follows it', () => {
		const settings = new SettingsStore(openDatabase(':memory:'));
		expect(settings.publicLangs(guild)).toEqual(['ko']);
		settings.setLanguage(guild.id, 'both', NOW);
		expect(settings.publicLangs(guild)).toEqual(['ko', 'en']);
		settings.setLanguage(guild.id, 'en', NOW);
		expect(settings.publicLangs(guild)).toEqual(['en']);
	});

	test('Given a setting saved before a restart, then the restarted bot reads it', () => {
		const db = openDatabase(':memory:');
		new SettingsStore(db).setLanguage(guild.id, 'en', NOW);
		expect(new SettingsStore(db).publicLangs(guild)).toEqual(['en']);
	});
});
