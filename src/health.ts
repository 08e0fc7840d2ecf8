import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Status, type Client } from 'discord.js';
import { sql } from 'kysely';
import type { Metrics } from './metrics.js';
import type { Db } from './store/database.js';

/** Why the bot is not healthy, or null when it is. Short, for an operator reading a probe's output. */
export async function unhealthyReason(client: Client, db: Db, stopping: boolean): Promise<string | null> {
	if (stopping) return 'shutting down';
	const shards = [...client.ws.shards.values()];
	if (shards.length === 0) return 'gateway not connected yet';
	const down = shards.filter((shard) => shard.status !== Status.Ready);
	if (down.length > 0) {
		return `gateway not connected: ${down.map((shard) => `shard ${shard.id} ${Status[shard.status]}`).join(', ')}`;
	}
	try {
		await sql`SELECT 1`.execute(db);
	} catch {
		return 'database does not answer';
	}
	return null;
}

export interface HealthServer {
	readonly port: number;
	close(): Promise<void>;
}

/**
 * `/healthz` (200, or 503 with a JSON reason) and `/metrics` (Prometheus text) on `host:port`. Nothing
 * else is served, and nothing here can change the bot.
 */
export async function startHealthServer(options: {
	host: string;
	port: number;
	metrics: Metrics;
	reason: () => Promise<string | null>;
}): Promise<HealthServer> {
	const server: Server = createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://localhost').pathname;
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, { allow: 'GET, HEAD' }).end();
		} else if (path === '/healthz') {
			options.reason().then(
				(reason) =>
					response
						.writeHead(reason === null ? 200 : 503, { 'content-type': 'application/json' })
						.end(JSON.stringify(reason === null ? { status: 'ok' } : { status: 'unavailable', reason })),
				() => response.writeHead(500).end(),
			);
		} else if (path === '/metrics') {
			options.metrics.registry.metrics().then(
				(text) => response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
				() => response.writeHead(500).end(),
			);
		} else {
			response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /healthz or /metrics\n');
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => resolve());
	});
	return {
		port: (server.address() as AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
