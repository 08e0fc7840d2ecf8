import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyRequests } from '@discordjs/proxy';
// The ESM build, as @discordjs/proxy's own: it tells Discord's errors apart by their classes (discord.js's REST is CJS).
import { REST } from '@discordjs/rest';
import { z } from 'zod';
import { ConfigError, portNumber } from './config.js';
import type { Logger } from './logger.js';

// 127.0.0.1 by default: only a host that means to serve other hosts listens on their network (PROXY_HOST=0.0.0.0).
const addressSchema = z.object({
	PROXY_HOST: z.string().trim().min(1).default('127.0.0.1'),
	PROXY_PORT: portNumber.default(8080),
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

/** Discord's global limit for a bot, in requests a second; interaction responses and webhooks by token aside. */
export const GLOBAL_LIMIT = 50;
/**
 * The proxy keeps that limit over more than a second. Discord counts its seconds its own way and sees each
 * request a little after it left, some later than others (a stalled network or a busy host: up to this margin),
 * so 50 in any 1.25 s here is 50 in any second there: 40 a second when busy. A fixed window, such as @discordjs/rest's own, can put up to
 * twice the limit in one of Discord's seconds once several hosts share it and its seconds and Discord's drift apart.
 */
export const GLOBAL_WINDOW_MS = 1_250;

/** At most `limit` requests in any `windowMs`. */
export class SlidingWindow {
	private readonly sent: number[] = [];

	public constructor(
		private readonly limit: number,
		private readonly windowMs: number,
	) {}

	/** Takes a place at `now` and returns 0, or returns how many milliseconds until one is free. */
	public take(now: number): number {
		while (this.sent.length > 0 && now - this.sent[0]! >= this.windowMs) this.sent.shift();
		if (this.sent.length < this.limit) {
			this.sent.push(now);
			return 0;
		}
		return this.sent[0]! + this.windowMs - now;
	}
}

/** Requests wait for a place in `window` in the order they came. */
function turns(window: SlidingWindow): () => Promise<void> {
	let last = Promise.resolve();
	return () => {
		last = last.then(async () => {
			for (let wait = window.take(Date.now()); wait > 0; wait = window.take(Date.now())) {
				await new Promise((resolve) => setTimeout(resolve, wait));
			}
		});
		return last;
	};
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * @discordjs/proxy in front of Discord for every host of one bot. Its @discordjs/rest client holds each route's
 * limits for all hosts and, like discord.js's own proxy container, waits on none of them and tries nothing twice:
 * a request over a route's limit is answered 429 with Retry-After, which the host's discord.js waits out, and the
 * host retries, so its timeouts keep the meaning src/client.ts gives them. The global limit is the proxy's own
 * (`SlidingWindow`): a request waits here, briefly, for its place in the bot's 50 a second.
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
	const { logger } = options;
	const rest = new REST({
		api: options.upstream,
		retries: 0,
		rejectOnRateLimit: () => true,
		globalRequestsPerSecond: Number.POSITIVE_INFINITY,
	});
	rest.on('rateLimited', (info) =>
		logger.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'rate limited'),
	);
	const forward = proxyRequests(rest);
	const globalTurn = turns(new SlidingWindow(GLOBAL_LIMIT, GLOBAL_WINDOW_MS));
	const expected = digest(`Bot ${options.token}`);
	const server: Server = createServer((request, response) => {
		// Another bot's token would share this bot's limits; interaction responses and webhooks carry none.
		const { authorization } = request.headers;
		if (authorization !== undefined && !timingSafeEqual(digest(authorization), expected)) {
			logger.warn({ method: request.method }, 'refused a request with another token');
			response
				.writeHead(401, { 'content-type': 'application/json' })
				.end(JSON.stringify({ message: '401: Unauthorized', code: 0 }));
			return;
		}
		let gone = false;
		response.once('close', () => (gone = true));
		// What the proxy can't map to an answer (Discord unreachable) ends the response as it stands: a 502, which
		// discord.js retries like any 5xx, rather than the empty 200 it would otherwise be.
		response.statusCode = 502;
		(authorization === undefined ? Promise.resolve() : globalTurn())
			// A host that gave up while its request waited has retried it, or will: this one is not sent.
			.then(() => (gone ? undefined : forward(request, response)))
			.catch((error: unknown) => {
				// A host that died or gave up mid-request is no news: it retries, or its successor does.
				if (gone) logger.debug({ err: error, method: request.method }, 'a host hung up before its answer');
				else logger.error({ err: error, method: request.method }, 'proxy request failed');
			});
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
