import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP relay on loopback in front of a real server (here PostgreSQL), whose line a test can cut and mend:
 * what a network cut or a server restart looks like to the bot. While cut, open connections are dropped and
 * new ones are dropped as they arrive (counted in `dropped`, so a test can wait until the bot has tried).
 */
export interface CuttableProxy {
	readonly port: number;
	/** Connections dropped while cut: how often the bot tried to reach the database. */
	readonly dropped: number;
	cut(): void;
	mend(): void;
	close(): Promise<void>;
}

export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
	const sockets = new Set<Socket>();
	let cut = false;
	let dropped = 0;
	const track = (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
	};
	const server = createServer((client) => {
		track(client);
		if (cut) {
			dropped += 1;
			client.destroy();
			return;
		}
		const upstream = connect(target.port, target.host);
		track(upstream);
		client.pipe(upstream).pipe(client);
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	return {
		port: (server.address() as { port: number }).port,
		get dropped() {
			return dropped;
		},
		cut() {
			cut = true;
			for (const socket of sockets) socket.destroy();
		},
		mend() {
			cut = false;
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
