import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type { Database } from 'better-sqlite3';

/** The database file can't be created or opened: a wrong `DATABASE_PATH`, permissions, a full disk. */
export class DatabaseOpenError extends Error {
	public override readonly name = 'DatabaseOpenError';
}

/** Opens (creating if needed) the SQLite file and brings its schema up to date. `:memory:` works for tests. */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Database.Database {
	let db: Database.Database;
	try {
		if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
		db = new Database(path);
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new DatabaseOpenError(`cannot open the database at DATABASE_PATH=${path}: ${reason}`, { cause: error });
	}
	db.pragma('journal_mode = WAL');
	// In WAL mode NORMAL loses nothing on a process crash and skips a disk flush on every write, which
	// otherwise blocks the event loop on each /her-quote. Posts stay exactly-once through their nonces.
	db.pragma('synchronous = NORMAL');
	db.pragma('busy_timeout = 5000');
	db.pragma('foreign_keys = ON');
	migrate(db, migrations);
	return db;
}

export function migrate(db: Database.Database, migrations: readonly Migration[]): void {
	const current = db.pragma('user_version', { simple: true }) as number;
	const pending = migrations.filter((migration) => migration.version > current).sort((a, b) => a.version - b.version);
	for (const migration of pending) {
		// Each migration and its version bump commit together, so a crash never leaves half a schema.
		db.transaction(() => {
			db.exec(migration.sql);
			db.pragma(`user_version = ${migration.version}`);
		}).immediate();
	}
}
