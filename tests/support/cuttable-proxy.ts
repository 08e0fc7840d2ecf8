import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on loopback in front of a real server (here PostgreSQL), whose line a test can cut and mend:
 * what a network cut or a server restart looks like to the bot. While cut, new connections are refused
 * and open ones are dropped.
 */
export interface CuttableProxy {
	readonly port: number;
	cut(): Promise<void>;
	mend(): Promise<void>;
	close(): Promise<void>;
}

export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
	const sockets = new Set<Socket>();
	let server: Server | undefined;
	let port = 0;

	const listen = () =>
		new Promise<void>((resolve, reject) => {
			server = createServer((client) => {
				const upstream = connect(target.port, target.host);
				for (const socket of [client, upstream]) {
					sockets.add(socket);
					socket.on('close', () => sockets.delete(socket));
					socket.on('error', () => undefined);
				}
				client.pipe(upstream).pipe(client);
				client.on('close', () => upstream.destroy());
				upstream.on('close', () => client.destroy());
			});
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => {
				port = (server!.address() as { port: number }).port;
				resolve();
			});
		});
	const stop = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			if (!server) return resolve();
			server.close(() => resolve());
			server = undefined;
		});

	await listen();
	return {
		get port() {
			return port;
		},
		cut: stop,
		// The same port again, as a server coming back from a restart would have.
		mend: listen,
		close: stop,
	};
}
