import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['tests/**/*.test.ts'],
		// Server time must never leak into schedules: run the suite in a zone that is not UTC.
		env: { TZ: 'America/Los_Angeles' },
		testTimeout: 20_000,
		hookTimeout: 30_000,
		pool: 'forks',
		// As the start scripts do: the bot empties discord.js's channel and role caches on purpose (src/client.ts).
		execArgv: ['--disable-warning=UnsupportedCacheOverwriteWarning'],
		// One real PostgreSQL server for the run; store tests run against it and against SQLite.
		globalSetup: ['tests/support/postgres-server.ts'],
	},
});
