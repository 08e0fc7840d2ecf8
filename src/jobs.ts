import type { Client } from 'discord.js';
import type { BotContext } from './context.js';
import { reflectionJob } from './reflection/job.js';
import { watchPartyJob } from './watchparty/engine.js';

/**
 * A periodic job. Jobs hold no state of their own: each run reads what is due from SQLite, so a
 * restart or a missed tick loses nothing. A run never overlaps the previous one.
 */
export interface Job {
	readonly name: string;
	readonly intervalMs: number;
	run(client: Client<true>, ctx: BotContext): Promise<void>;
	/** Work a run started and left going (so one slow send holds no other); awaited before the bot stops. */
	settle?(ctx: BotContext): Promise<void>;
}

/** The jobs the bot runs once it is ready. */
export const JOBS: readonly Job[] = [reflectionJob, watchPartyJob];

export interface RunningJobs {
	/** Stops every job after its current run, if any, has finished. */
	stop(): Promise<void>;
}

export function startJobs(jobs: readonly Job[], client: Client<true>, ctx: BotContext): RunningJobs {
	let stopped = false;
	const loops = jobs.map((job) => {
		let timer: NodeJS.Timeout | undefined;
		let running: Promise<void> = Promise.resolve();
		const tick = (): void => {
			clearTimeout(timer);
			running = running.then(async () => {
				if (stopped) return;
				try {
					await job.run(client, ctx);
				} catch (error) {
					ctx.logger.error({ job: job.name, err: error }, 'job failed');
				}
				if (!stopped) timer = setTimeout(tick, job.intervalMs);
			});
		};
		tick();
		return async () => {
			clearTimeout(timer);
			await running;
			await job.settle?.(ctx);
		};
	});
	return {
		async stop() {
			stopped = true;
			await Promise.all(loops.map((stopLoop) => stopLoop()));
		},
	};
}
