/**
 * A slow Discord for one route: a loopback HTTP proxy in front of the fake's REST API that holds the
 * requests matching a rule until the test releases them, and passes everything else straight through.
 * The bot is pointed at `proxy.api` instead of the fake's; the gateway URL still comes from the fake.
 * (The fake answers at once or fails; this is the "answers only when told" it lacks.)
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
	readonly method: string;
	/** the path after /api/v10, e.g. `/channels/123/messages` */
	readonly path: string;
	/** the raw body, for matching on what is sent (a JSON payload, a nonce) */
	readonly body: string;
}

export interface Hold {
	/** the requests held so far, in arrival order */
	readonly held: readonly HeldRequest[];
	/** resolves once `count` requests are held (bounded, like every wait) */
	waitHeld(count?: number, timeoutMs?: number): Promise<readonly HeldRequest[]>;
	/** sends every held request on, and lets later matches through */
	release(): void;
}

export interface HoldingProxy {
	/** what to give discord.js as `rest.api` */
	readonly api: string;
	hold(match: (request: HeldRequest) => boolean): Hold;
	/** releases whatever is still held, then stops */
	close(): Promise<void>;
}

interface Rule {
	readonly match: (request: HeldRequest) => boolean;
	readonly waiting: (() => void)[];
	readonly held: HeldRequest[];
	released: boolean;
	changed: () => void;
}

export async function startHoldingProxy(targetApi: string): Promise<HoldingProxy> {
	const target = new URL(targetApi);
	const rules: Rule[] = [];

	const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
		const upstream = request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: target.host },
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', () => res.destroy());
		upstream.end(body);
	};

	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const path = (req.url ?? '').replace(/^\/api\/v\d+/, '').split('?')[0] ?? '';
			const seen: HeldRequest = { method: req.method ?? 'GET', path, body: body.toString('utf8') };
			const rule = rules.find((candidate) => !candidate.released && candidate.match(seen));
			if (!rule) return forward(req, body, res);
			rule.held.push(seen);
			rule.waiting.push(() => forward(req, body, res));
			rule.changed();
		});
	});
	await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
	const { port } = server.address() as AddressInfo;

	return {
		api: `http://127.0.0.1:${port}${target.pathname}`,
		hold(match) {
			const listeners = new Set<() => void>();
			const rule: Rule = {
				match,
				waiting: [],
				held: [],
				released: false,
				changed: () => listeners.forEach((listener) => listener()),
			};
			rules.push(rule);
			return {
				held: rule.held,
				waitHeld: (count = 1, timeoutMs = 5_000) =>
					new Promise((resolve, reject) => {
						const check = () => {
							if (rule.held.length < count) return;
							listeners.delete(check);
							clearTimeout(timer);
							resolve(rule.held);
						};
						const timer = setTimeout(() => {
							listeners.delete(check);
							reject(new Error(`hold: timed out after ${timeoutMs}ms waiting for ${count} held request(s)`));
						}, timeoutMs);
						listeners.add(check);
						check();
					}),
				release() {
					rule.released = true;
					for (const send of rule.waiting.splice(0)) send();
				},
			};
		},
		async close() {
			for (const rule of rules) {
				rule.released = true;
				for (const send of rule.waiting.splice(0)) send();
			}
			server.closeAllConnections();
			await new Promise<void>((closed) => server.close(() => closed()));
		},
	};
}
