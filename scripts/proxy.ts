import dotenv from 'dotenv';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { loadProxyAddress, startProxy } from '../src/proxy.js';

// `npm run proxy`: one REST proxy in front of Discord for every host of the bot (README, "Running on several
// machines"). It reads the bot's DISCORD_TOKEN and, as its upstream, DISCORD_API_URL (Discord by default).
dotenv.config({ quiet: true });

function fail(message: string): never {
	process.stderr.write(`her-film-club proxy: ${message}\n`);
	process.exit(1);
}

function readSettings() {
	try {
		return { config: loadConfig(process.env), address: loadProxyAddress(process.env) };
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message);
		throw error;
	}
}

const { config, address } = readSettings();
const logger = createLogger(config.logLevel, { secrets: [config.token] });
const proxy = await startProxy({ token: config.token, upstream: config.apiUrl, ...address, logger }).catch(
	(error: unknown) => {
		if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
			fail(`PROXY_PORT ${address.port} on ${address.host} is already in use; choose another port.`);
		}
		throw error;
	},
);

const shutdown = (signal: NodeJS.Signals) => {
	logger.info({ signal }, 'shutting down');
	proxy.close().then(
		() => process.exit(0),
		(error: unknown) => {
			logger.error({ err: error }, 'unclean shutdown');
			process.exit(1);
		},
	);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
