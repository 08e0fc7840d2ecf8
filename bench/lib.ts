/** Helpers for bench/run.ts: child workers with bounded waits, statistics, the machine, formatting. */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FromParent, ToParent } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

const live = new Set<ChildProcess>();

/** Kills every worker still running; called on exit and on a signal, so no child outlives the run. */
export function killWorkers(): void {
	for (const child of live) child.kill('SIGKILL');
	live.clear();
}
process.on('exit', killWorkers);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		killWorkers();
		process.exit(130);
	});
}

/**
 * `BENCH_PROFILE=<dir>` writes a V8 CPU profile of every worker (`--cpu-prof`) into `<dir>/<kind>/`, one file
 * per thread (the tsx loader has its own), for Chrome DevTools or speedscope. Profiled figures run slower.
 */
function profileArgs(kind: string): string[] {
	const dir = process.env.BENCH_PROFILE;
	return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, kind)}`] : [];
}

export class Worker {
	private readonly inbox: ToParent[] = [];
	private waiter: (() => void) | undefined;
	private exited = false;

	private constructor(private readonly child: ChildProcess) {
		child.on('message', (message: ToParent) => {
			this.inbox.push(message);
			this.waiter?.();
		});
		child.on('exit', () => {
			this.exited = true;
			live.delete(child);
			this.waiter?.();
		});
	}

	static start(args: readonly string[]): Worker {
		const child = fork(join(here, 'worker.ts'), [...args], {
			cwd: root,
			// npm start's flags (package.json), so each client runs as the bot does.
			execArgv: [
				'--disable-warning=UnsupportedCacheOverwriteWarning',
				'--import',
				tsxLoader,
				'--expose-gc',
				...profileArgs(args[0]!),
			],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		live.add(child);
		return new Worker(child);
	}

	send(message: FromParent): void {
		this.child.send(message);
	}

	/** The next message of `type`; rejects on a worker error, exit or after `timeoutMs`. */
	async next<T extends ToParent['type']>(type: T, timeoutMs: number): Promise<Extract<ToParent, { type: T }>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const index = this.inbox.findIndex((message) => message.type === type || message.type === 'error');
			if (index >= 0) {
				const [message] = this.inbox.splice(index, 1);
				if (message!.type === 'error') throw new Error(`worker failed: ${message!.message}`);
				return message as Extract<ToParent, { type: T }>;
			}
			if (this.exited) throw new Error(`worker exited while waiting for "${type}"`);
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`worker: no "${type}" within ${timeoutMs} ms`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiter = () => {
					clearTimeout(timer);
					resolve();
				};
			});
			this.waiter = undefined;
		}
	}

	/** Asks the worker to log out and exit; kills it if it has not within 5 s. */
	async stop(): Promise<void> {
		if (this.exited) return;
		const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
		this.send({ type: 'stop' });
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
		await exited;
		clearTimeout(timer);
	}
}

export function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

export function machine() {
	return {
		cpu: cpus()[0]?.model ?? 'unknown',
		cores: cpus().length,
		memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
		node: process.version,
		platform: `${process.platform} ${process.arch}`,
	};
}

export const MB = 2 ** 20;

export function round(value: number, digits = 2): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

/** A markdown table with columns padded, so it reads the same on a terminal and in the README. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
	const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
	const line = (cells: readonly string[]) =>
		`| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
	const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
	return [line(header), rule, ...rows.map(line)].join('\n');
}
