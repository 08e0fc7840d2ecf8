import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyRequests } from '@discordjs/proxy';
// The ESM build, as @discordjs/proxy's own: it tells Discord's errors apart by their classes (discord.js's REST is CJS).
import { REST } from '@discordjs/rest';
import { z } from 'zod';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';

const port = z.coerce
	.number({ error: 'must be a port number (1–65535)' })
	.int('must be a port number (1–65535)')
	.min(0, 'must be a port number (1–65535)')
	.max(65_535, 'must be a port number (1–65535)');

// 127.0.0.1 by default: only a host that means to serve other hosts listens on their network (PROXY_HOST=0.0.0.0).
const addressSchema = z.object({
	PROXY_HOST: z.string().trim().min(1).default('127.0.0.1'),
	// 0 picks a free port (the one taken is logged), for tests.
	PROXY_PORT: port.default(8080),
});

/** Where `npm run proxy` listens: `PROXY_HOST` and `PROXY_PORT`. */
export function loadProxyAddress(env: NodeJS.ProcessEnv): { host: string; port: number } {
	const input = Object.fromEntries(
		Object.entries(env).filter(([key, value]) => key in addressSchema.shape && value?.trim()),
	);
	const result = addressSchema.safeParse(input);
	if (!result.success) {
		const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
		throw new ConfigError(
			`Configuration problem: ${problems.join('; ')}. See "Running on several machines" in README.md.`,
		);
	}
	return { host: result.data.PROXY_HOST, port: result.data.PROXY_PORT };
}

export interface ProxyOptions {
	/** The one bot whose requests this proxy carries, and whose rate limits it holds. */
	readonly token: string;
	/** Discord's REST base (`https://discord.com/api`), without the version. */
	readonly upstream: string;
	readonly host: string;
	readonly port: number;
	readonly logger: Logger;
}

export interface RunningProxy {
	readonly port: number;
	/** Stops taking requests and waits (bounded) for those in flight. */
	close(): Promise<void>;
}

/** How long a stop waits for requests in flight before it cuts them. */
const CLOSE_MS = 5_000;

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * @discordjs/proxy in front of Discord for every host of one bot: one @discordjs/rest client holds the bot's
 * global and per-route limits for all of them. Like discord.js's own proxy container it waits on no limit
 * itself (a request over one is answered 429 with Retry-After, which each host's discord.js waits out) and
 * tries nothing twice (the hosts retry), so a host's timeouts keep the meaning src/client.ts gives them.
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
	const { logger } = options;
	const rest = new REST({ api: options.upstream, retries: 0, rejectOnRateLimit: () => true });
	const forward = proxyRequests(rest);
	const expected = digest(`Bot ${options.token}`);
	const server: Server = createServer((request, response) => {
		// Another bot's token would share this bot's limits; interaction and webhook calls carry none.
		const { authorization } = request.headers;
		if (authorization !== undefined && !timingSafeEqual(digest(authorization), expected)) {
			logger.warn({ method: request.method }, 'refused a request with another token');
			response
				.writeHead(401, { 'content-type': 'application/json' })
				.end(JSON.stringify({ message: '401: Unauthorized', code: 0 }));
			return;
		}
		// What the proxy can't map to an answer (Discord unreachable) ends the response as it stands: a 502, which
		// discord.js retries like any 5xx, rather than the empty 200 it would otherwise be.
		response.statusCode = 502;
		Promise.resolve(forward(request, response)).catch((error: unknown) =>
			logger.error({ err: error, method: request.method }, 'could not reach Discord'),
		);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => resolve());
	});
	const { port: taken } = server.address() as AddressInfo;
	logger.info({ host: options.host, port: taken, upstream: options.upstream }, 'REST proxy listening');
	return {
		port: taken,
		close: () =>
			new Promise<void>((resolve) => {
				const cut = setTimeout(() => server.closeAllConnections(), CLOSE_MS).unref();
				server.close(() => {
					clearTimeout(cut);
					resolve();
				});
				server.closeIdleConnections();
			}),
	};
}
