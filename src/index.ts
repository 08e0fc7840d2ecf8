import { DiscordjsErrorCodes } from 'discord.js';
import dotenv from 'dotenv';
import { startBot } from './bot.js';
import { ConfigError, loadConfig } from './config.js';
import { DatasetError } from './dataset/load.js';
import { createLogger } from './logger.js';
import { DatabaseOpenError } from './store/database.js';

// The entry behind `npm start`. Problems an operator can fix end in one line on stderr, never a stack trace.
dotenv.config({ quiet: true });

function fail(message: string): never {
	process.stderr.write(`her-film-club: ${message}\n`);
	process.exit(1);
}

let config;
try {
	config = loadConfig(process.env);
} catch (error) {
	if (error instanceof ConfigError) fail(error.message);
	throw error;
}

// The database password is a secret too: a driver's error may quote its connection settings.
const databasePassword = config.databaseUrl ? decodeURIComponent(new URL(config.databaseUrl).password) : '';
const logger = createLogger(config.logLevel, { secrets: [config.token, databasePassword] });

try {
	const bot = await startBot({ config, logger });
	let stopping = false;
	const shutdown = (signal: NodeJS.Signals) => {
		if (stopping) return;
		stopping = true;
		logger.info({ signal }, 'shutting down');
		// bot.stop() bounds its own wait; this is the backstop inside the 10 s Docker gives before SIGKILL.
		setTimeout(() => {
			logger.error('did not stop within 8 s; exiting anyway');
			process.exit(1);
		}, 8_000).unref();
		bot.stop().then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error({ err: error }, 'unclean shutdown');
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', shutdown);
	process.on('SIGTERM', shutdown);
} catch (error) {
	if (error instanceof DatasetError) fail(`the dataset is broken, so the bot did not start.\n${error.message}`);
	if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE' && config.health) {
		fail(`HEALTH_PORT ${config.health.port} on ${config.health.host} is already in use; choose another port.`);
	}
	if (error instanceof DatabaseOpenError) {
		fail(
			config.databaseUrl
				? `${error.message}. Check DATABASE_URL (see "Running on several machines" in README.md).`
				: `${error.message}. Point DATABASE_PATH at a writable file (see README.md).`,
		);
	}
	if (error instanceof Error && 'code' in error && error.code === DiscordjsErrorCodes.TokenInvalid) {
		fail(
			'Discord rejected DISCORD_TOKEN. Reset it in the Developer Portal and put the new one in .env (see README.md).',
		);
	}
	logger.fatal({ err: error }, 'could not start');
	process.exit(1);
}
