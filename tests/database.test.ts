import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { migrate, openDatabase } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
	const dir = mkdtempSync(join(tmpdir(), 'hfc-db-'));
	dirs.push(dir);
	return join(dir, 'nested', 'bot.sqlite');
}

describe('the SQLite store', () => {
	test('Then migrations are numbered 1, 2, 3… without gaps, so each runs exactly once in order', () => {
		expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
	});

	test('Given no file yet, then it is created (with its folder) in WAL mode at the latest schema', () => {
		const db = openDatabase(databaseFile());
		expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
		expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
		db.close();
	});

	test('Given a database from an older release, then opening it applies only the newer migrations and keeps its data', () => {
		const path = databaseFile();
		const old = openDatabase(path, MIGRATIONS.slice(0, 1));
		old.prepare("INSERT INTO guild_settings (guild_id, language, updated_at) VALUES ('1', 'both', 0)").run();
		old.close();

		const db = openDatabase(path);
		expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
		expect(db.prepare('SELECT language FROM guild_settings WHERE guild_id = ?').get('1')).toEqual({ language: 'both' });
		migrate(db, MIGRATIONS);
		expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
		db.close();
	});

	test('Given a migration that fails halfway, then nothing of it is applied and the version stays where it was', () => {
		const db = openDatabase(':memory:', MIGRATIONS.slice(0, 1));
		const broken = { version: 2, name: 'broken', sql: 'CREATE TABLE half (x); THIS IS NOT SQL;' };
		expect(() => migrate(db, [broken])).toThrow();
		expect(db.pragma('user_version', { simple: true })).toBe(1);
		expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
	});
});
