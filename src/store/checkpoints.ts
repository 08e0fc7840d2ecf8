import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is written back into the database file (SQLite's own default: every 1,000 pages, 4 MB). */
const EVERY_MS = 1_000;

/** What one checkpoint did: frames in the WAL, and how many of them are now in the database file. */
export interface Checkpoint {
	readonly log: number;
	readonly checkpointed: number;
}

/**
 * The worker: a connection of its own to the file, and a PASSIVE checkpoint whenever asked (it never waits for
 * the bot's reads or writes). CommonJS in a string, so it runs the same under tsx and from a build.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const file = new Database(workerData.path, { fileMustExist: true });
file.pragma('synchronous = NORMAL');
parentPort.on('message', () => {
	try {
		const [{ log, checkpointed }] = file.pragma('wal_checkpoint(PASSIVE)');
		parentPort.postMessage({ log, checkpointed });
	} catch (error) {
		parentPort.postMessage({ error: String(error) });
	}
});
`;

/**
 * Writes a SQLite file's WAL back into the file from a thread of its own. A checkpoint ends with two disk
 * flushes (the WAL, then the file); run by the connection that commits, as SQLite does by default, that stalls
 * the event loop for 10–40 ms every ~1,000 pages written, about every 400 `/her-quote` picks (README,
 * Performance). The bot's connection turns its automatic checkpoints off (`wal_autocheckpoint = 0`) and this
 * thread checkpoints once a second instead; if the thread cannot start, the connection checkpoints as before.
 */
export class Checkpointer {
	private readonly worker: Worker;
	private readonly timer: NodeJS.Timeout;
	private waiting: ((result: Checkpoint | Error) => void)[] = [];

	public constructor(path: string, onFailure: () => void) {
		const driver = createRequire(import.meta.url).resolve('better-sqlite3');
		this.worker = new Worker(WORKER, { eval: true, workerData: { path, driver } });
		// The worker answers in the order it was asked.
		this.worker.on('message', (result: Checkpoint | { error: string }) => {
			this.waiting.shift()?.('error' in result ? new Error(result.error) : result);
		});
		this.worker.on('error', (error) => {
			clearInterval(this.timer);
			this.failAll(error);
			onFailure();
		});
		// After the listeners, which would hold the process open again.
		this.worker.unref();
		this.timer = setInterval(() => {
			if (this.waiting.length === 0) this.checkpoint().catch(() => undefined);
		}, EVERY_MS).unref();
	}

	/** Checkpoints now, between the timer's runs; resolves when it is done. */
	public checkpoint(): Promise<Checkpoint> {
		return new Promise((resolve, reject) => {
			this.waiting.push((result) => (result instanceof Error ? reject(result) : resolve(result)));
			this.worker.postMessage('checkpoint');
		});
	}

	public async stop(): Promise<void> {
		clearInterval(this.timer);
		await this.worker.terminate();
		this.failAll(new Error('the checkpointer stopped'));
	}

	private failAll(error: Error): void {
		for (const done of this.waiting.splice(0)) done(error);
	}
}
