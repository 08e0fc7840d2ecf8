import type { Client } from 'discord.js';
import type { BotContext } from './context.js';
import { reflectionJob } from './reflection/job.js';
import { isDatabaseUnavailable } from './store/database.js';
import { watchPartyJob } from './watchparty/engine.js';

/**
 * A periodic job. Jobs hold no state of their own: each run reads what is due from the database, so a
 * restart or a missed tick loses nothing. A run never overlaps the previous one.
 */
export interface Job {
	readonly name: string;
	readonly intervalMs: number;
	/** `stopping` aborts when the bot stops: a run stops taking new work and finishes what it has started. */
	run(client: Client<true>, ctx: BotContext, stopping: AbortSignal): Promise<void>;
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
	const stopping = new AbortController();
	const loops = jobs.map((job) => {
		let timer: NodeJS.Timeout | undefined;
		let running: Promise<void> = Promise.resolve();
		// Real time, not ctx.now: lag and duration are about this process keeping up, not about schedules.
		let dueAt = performance.now();
		const tick = (): void => {
			clearTimeout(timer);
			running = running.then(async () => {
				if (stopping.signal.aborted) return;
				const started = performance.now();
				try {
					await job.run(client, ctx, stopping.signal);
					ctx.outage.over();
				} catch (error) {
					// What was due stays due in the database: the next tick after it is back does it, once.
					if (isDatabaseUnavailable(error)) ctx.outage.met(error);
					else ctx.logger.error({ job: job.name, err: error }, 'job failed');
				}
				ctx.metrics?.jobTick(job.name, (performance.now() - started) / 1000, (started - dueAt) / 1000);
				if (stopping.signal.aborted) return;
				dueAt = performance.now() + job.intervalMs;
				timer = setTimeout(tick, job.intervalMs);
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
			stopping.abort();
			await Promise.all(loops.map((stopLoop) => stopLoop()));
		},
	};
}
