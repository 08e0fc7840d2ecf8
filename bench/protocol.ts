/** Messages between bench/run.ts and a bench/worker.ts child (over the IPC channel). */

export interface MemoryFigures {
	readonly rss: number;
	readonly heapUsed: number;
	readonly heapTotal: number;
	readonly external: number;
}

export type ToParent =
	| { readonly type: 'ready'; readonly guilds: number; readonly readyMs: number; readonly memory: MemoryFigures }
	/** Wall-clock and CPU (user + system) milliseconds of each run. */
	| { readonly type: 'ticks'; readonly samples: number[]; readonly cpuSamples: number[] }
	/** CPU time the worker has used so far, in ms (user + system). */
	| { readonly type: 'usage'; readonly cpuMs: number }
	| { readonly type: 'error'; readonly message: string };

export type FromParent =
	| { readonly type: 'stop' }
	| { readonly type: 'usage' }
	/** Run the reflection job `runs` times at `now + clockOffsetMs`, running the `resetSql` statements before each. */
	| {
			readonly type: 'tick';
			readonly runs: number;
			readonly clockOffsetMs: number;
			readonly resetSql?: readonly string[];
	  };
