import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
	CompiledQuery,
	Kysely,
	PostgresAdapter,
	PostgresDialect,
	SqliteAdapter,
	SqliteIntrospector,
	SqliteQueryCompiler,
	sql,
	type DatabaseConnection,
	type Dialect,
	type Driver,
	type Expression,
	type QueryResult,
	type SqlBool,
} from 'kysely';
import pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { Tables } from './schema.js';

/** The bot's state, in SQLite (one machine, the default) or PostgreSQL (several hosts), read through Kysely. */
export type Db = Kysely<Tables>;

export type DatabaseKind = 'sqlite' | 'postgres';

/** Where the state lives: `DATABASE_URL` (PostgreSQL) when set, else the SQLite file at `DATABASE_PATH`. */
export type DatabaseLocation = { readonly url: string } | { readonly path: string };

/** A SQLite path or a postgres:// URL as a tool takes it on its command line (`db:copy`, the bench). */
export function locate(where: string): DatabaseLocation {
	return /^postgres(ql)?:\/\//.test(where) ? { url: where } : { path: where };
}

/** The database can't be opened or is of an unknown schema: a one-line reason for the operator, no secrets. */
export class DatabaseOpenError extends Error {
	public override readonly name = 'DatabaseOpenError';
}

/** Which database `db` (or a transaction on it) talks to, for the few statements the two spell differently. */
export function databaseKind(db: Db): DatabaseKind {
	return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Opens (creating if needed) the database and brings its schema up to date. `{ path: ':memory:' }` works
 * for tests. Every problem an operator can fix (a wrong path, an unreachable server, a wrong password, a
 * schema newer than this release knows) is one DatabaseOpenError line.
 */
export async function openDatabase(location: DatabaseLocation, migrations = MIGRATIONS): Promise<Db> {
	if ('url' in location) return openPostgres(location.url, migrations);
	return openSqlite(location.path, migrations);
}

function openSqlite(path: string, migrations: readonly Migration[]): Db {
	let file: BetterSqlite3.Database;
	try {
		if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
		file = new BetterSqlite3(path);
	} catch (error) {
		throw new DatabaseOpenError(`cannot open the database at DATABASE_PATH=${path}: ${reason(error)}`, {
			cause: error,
		});
	}
	file.pragma('journal_mode = WAL');
	// In WAL mode NORMAL loses nothing on a process crash and skips a disk flush on every write, which
	// otherwise blocks the event loop on each /her-quote. Posts stay exactly-once through their nonces.
	file.pragma('synchronous = NORMAL');
	file.pragma('busy_timeout = 5000');
	file.pragma('foreign_keys = ON');
	migrateSqlite(file, migrations);
	const connection = new SqliteFileConnection(file);
	const db = new Kysely<Tables>({ dialect: new SqliteFileDialect(connection) });
	sqliteConnections.set(db, connection);
	return db;
}

export function migrateSqlite(file: BetterSqlite3.Database, migrations: readonly Migration[]): void {
	checkKnown(file.pragma('user_version', { simple: true }) as number, migrations);
	for (const migration of pending(migrations, 0)) {
		// Each migration and its version bump commit together, so a crash never leaves half a schema. The version
		// is read under the write lock: processes starting together on a new file apply each migration once.
		file
			.transaction(() => {
				if ((file.pragma('user_version', { simple: true }) as number) >= migration.version) return;
				file.exec(migration.sqlite);
				file.pragma(`user_version = ${migration.version}`);
			})
			.immediate();
	}
}

async function openPostgres(url: string, migrations: readonly Migration[]): Promise<Db> {
	// Epoch milliseconds are BIGINT (int8); they fit a JS number for the next 285,000 years.
	const types = new pg.TypeOverrides();
	types.setTypeParser(pg.types.builtins.INT8, Number);
	const pool = new pg.Pool({
		connectionString: url,
		max: 10,
		connectionTimeoutMillis: 10_000,
		types,
	});
	// A connection that breaks (the server restarted, the network cut) is dropped and replaced on next use; the
	// query that meets the outage fails with it. pg also emits the break as 'error', on the pool for an idle
	// connection and on the connection itself when in use: unheard, either would end the process.
	pool.on('error', () => undefined);
	pool.on('connect', (client) => client.on('error', () => undefined));
	try {
		await migratePostgres(pool, migrations);
	} catch (error) {
		await pool.end().catch(() => undefined);
		if (error instanceof DatabaseOpenError) throw error;
		throw new DatabaseOpenError(
			`cannot open the PostgreSQL database at DATABASE_URL=${redact(url)}: ${reason(error)}`,
			{
				cause: error,
			},
		);
	}
	return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
	const client = await pool.connect();
	try {
		await client.query('BEGIN');
		// Hosts starting together take turns: the first migrates, the others then find nothing to do.
		await client.query("SELECT pg_advisory_xact_lock(hashtext('her-film-club:migrations'))");
		await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
		const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
		const current = rows[0]?.version ?? 0;
		checkKnown(current, migrations);
		for (const migration of pending(migrations, current)) {
			// The whole run is one transaction: PostgreSQL's DDL is transactional, so a failure leaves nothing.
			if (migration.postgres.trim() !== '') await client.query(migration.postgres);
		}
		const latest = Math.max(current, ...migrations.map((migration) => migration.version));
		if (rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES ($1)', [latest]);
		else await client.query('UPDATE schema_version SET version = $1', [latest]);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw error;
	} finally {
		client.release();
	}
}

function pending(migrations: readonly Migration[], current: number): Migration[] {
	return migrations.filter((migration) => migration.version > current).sort((a, b) => a.version - b.version);
}

function checkKnown(current: number, migrations: readonly Migration[]): void {
	const known = Math.max(0, ...migrations.map((migration) => migration.version));
	if (current > known) {
		throw new DatabaseOpenError(
			`the database is at schema ${current}, newer than this release of the bot knows (${known}): run the release that wrote it, or a newer one`,
		);
	}
}

/** The schema version a database is at, for `db:copy` and tests. */
export async function schemaVersion(db: Db): Promise<number> {
	if (databaseKind(db) === 'postgres') {
		const { rows } = await sql<{ version: number }>`SELECT version FROM schema_version`.execute(db);
		return rows[0]?.version ?? 0;
	}
	const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
	return rows[0]?.user_version ?? 0;
}

/**
 * `column IN ids`, for the guild lists jobs pass (a shard's guilds, up to thousands): one bound parameter,
 * so no list can outgrow a database's limit on parameters.
 */
export function inList(db: Db, column: string, ids: readonly string[]): Expression<SqlBool> {
	return databaseKind(db) === 'postgres'
		? sql<SqlBool>`${sql.ref(column)} = ANY(${[...ids]}::text[])`
		: sql<SqlBool>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/**
 * Holds a lock on `key` until the transaction ends, for a read-then-write with no row to lock (a rotation's
 * pick). PostgreSQL takes an advisory lock; SQLite's IMMEDIATE transaction already holds the file's write lock.
 */
export async function lockKey(trx: Db, key: string): Promise<void> {
	if (databaseKind(trx) === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
}

/**
 * Whether an error means the database is away (PostgreSQL restarted, the network cut, the pool could not
 * connect) rather than that a query is wrong: interactions then apologise and jobs try again later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const code = (error as { code?: unknown }).code;
	if (typeof code === 'string') {
		// Class 08: connection exceptions; 57P01–57P03: the server is shutting down or starting up.
		if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return true;
		if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
	}
	return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message);
}

/** A DATABASE_URL fit for a log line or an error: the password replaced. */
export function redact(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password !== '') parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(not a valid URL)';
	}
}

function reason(error: unknown): string {
	if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
	if (!(error instanceof Error)) return String(error);
	const code = (error as { code?: unknown }).code;
	if (code === 'ECONNREFUSED') return 'connection refused (is PostgreSQL running, and is the host and port right?)';
	if (code === '28P01') return 'the password was refused (check the user and password in the URL)';
	if (code === '3D000') return `${error.message} (create it first, e.g. createdb)`;
	return error.message || (typeof code === 'string' ? code : error.name);
}

/**
 * Kysely's SQLite dialect, with two changes: a transaction begins IMMEDIATE, so one that reads and then writes
 * (every claim) holds the file's write lock from the start and processes sharing the file serialize on it;
 * and statements are prepared once, not on every query.
 */
class SqliteFileDialect implements Dialect {
	public constructor(private readonly connection: SqliteFileConnection) {}

	public createDriver(): Driver {
		return new SqliteFileDriver(this.connection);
	}

	public createQueryCompiler() {
		return new SqliteQueryCompiler();
	}

	public createAdapter() {
		return new SqliteAdapter();
	}

	public createIntrospector(db: Kysely<unknown>) {
		return new SqliteIntrospector(db);
	}
}

/**
 * Whose turn it is on a connection: one query or transaction at a time. Per file, not per handle, since handles
 * in one process share one thread: one waiting on another's write lock would block it (busy_timeout) instead of
 * letting it finish. Only tests and tools open a file twice in one process; the bot opens it once.
 */
const turns = new Map<object | string, Promise<void>>();

/** Waits for the file's turn; resolves to the function that ends it. */
async function takeTurn(file: BetterSqlite3.Database): Promise<() => void> {
	const key = file.memory ? file : file.name;
	const previous = turns.get(key) ?? Promise.resolve();
	let release!: () => void;
	const mine = new Promise<void>((resolve) => (release = resolve));
	const queue = previous.then(() => mine);
	turns.set(key, queue);
	void queue.then(() => turns.get(key) === queue && turns.delete(key));
	await previous;
	return release;
}

function isTurnFree(file: BetterSqlite3.Database): boolean {
	return !turns.has(file.memory ? file : file.name);
}

/** Statements run synchronously inside `inSqliteTransaction`, prepared once per file. */
export interface SqliteStatements {
	/** The first column of every row the query returns. */
	column<T>(sql: string, ...parameters: unknown[]): T[];
	run(sql: string, ...parameters: unknown[]): void;
}

const sqliteConnections = new WeakMap<Db, SqliteFileConnection>();

/**
 * Runs `work` as one IMMEDIATE transaction on the SQLite file behind `db`, synchronously once it is the file's
 * turn (at once when nothing else is running on it): no await between its statements, and nothing compiled or
 * queued per statement. `undefined` on PostgreSQL. For the one path every `/her-quote` takes, the rotation's
 * pick, where Kysely's async round trips cost more than the SQL (README, Performance).
 */
export function inSqliteTransaction<T>(db: Db, work: (statements: SqliteStatements) => T): Promise<T> | undefined {
	const connection = sqliteConnections.get(db);
	if (!connection) return undefined;
	// A promise's executor runs at once: the transaction runs now, and what it throws rejects the promise.
	if (isTurnFree(connection.file)) return new Promise((resolve) => resolve(connection.transaction(work)));
	return takeTurn(connection.file).then((release) => {
		try {
			return connection.transaction(work);
		} finally {
			release();
		}
	});
}

class SqliteFileDriver implements Driver {
	private release: (() => void) | undefined;

	public constructor(private readonly connection: SqliteFileConnection) {}

	public async init(): Promise<void> {}

	public async acquireConnection(): Promise<DatabaseConnection> {
		// Ours once the one before has released (Kysely releases before it acquires again).
		this.release = await takeTurn(this.connection.file);
		return this.connection;
	}

	public async beginTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
	}

	public async commitTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('COMMIT'));
	}

	public async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
	}

	public releaseConnection(): Promise<void> {
		this.release?.();
		this.release = undefined;
		return Promise.resolve();
	}

	public destroy(): Promise<void> {
		this.connection.file.close();
		return Promise.resolve();
	}
}

class SqliteFileConnection implements DatabaseConnection, SqliteStatements {
	private readonly statements = new Map<string, BetterSqlite3.Statement>();

	public constructor(public readonly file: BetterSqlite3.Database) {}

	public transaction<T>(work: (statements: SqliteStatements) => T): T {
		this.run('BEGIN IMMEDIATE');
		try {
			const result = work(this);
			this.run('COMMIT');
			return result;
		} catch (error) {
			if (this.file.inTransaction) this.run('ROLLBACK');
			throw error;
		}
	}

	public column<T>(sql: string, ...parameters: unknown[]): T[] {
		return this.prepared(sql, true).all(...parameters) as T[];
	}

	public run(sql: string, ...parameters: unknown[]): void {
		this.prepared(sql).run(...parameters);
	}

	public executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
		try {
			return Promise.resolve(this.execute<R>(query));
		} catch (error) {
			return Promise.reject(error instanceof Error ? error : new Error(String(error)));
		}
	}

	/** Each statement is prepared once; a plucking one (the first column only) apart from the same SQL's rows. */
	private prepared(sql: string, pluck = false): BetterSqlite3.Statement {
		const key = pluck ? `pluck:${sql}` : sql;
		let statement = this.statements.get(key);
		if (!statement) {
			statement = this.file.prepare(sql);
			if (pluck) statement.pluck();
			this.statements.set(key, statement);
		}
		return statement;
	}

	private execute<R>(query: CompiledQuery): QueryResult<R> {
		const statement = this.prepared(query.sql);
		const parameters = query.parameters as unknown[];
		if (statement.reader) return { rows: statement.all(...parameters) as R[] };
		const { changes, lastInsertRowid } = statement.run(...parameters);
		return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
	}

	// The bot never streams; Kysely's interface asks for the method.
	public streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('streaming queries is not supported');
	}
}
