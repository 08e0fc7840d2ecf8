import { Status, type Client, type Interaction } from 'discord.js';
import { decodeCustomId } from './custom-id.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type InteractionOutcome = 'ok' | 'user-error' | 'gone' | 'error' | 'restarting';
export type DailyPostOutcome = 'sent' | 'late' | 'skipped' | 'paused';
export type BeatOutcome = 'posted' | 'late' | 'lost';

/** A daily post more than this past its time counts as late (the bot was down, or far behind). */
const LATE_AFTER_MS = 60_000;

/**
 * Everything `/metrics` shows, in one registry per bot (several bots in one test process must not share
 * counters). The router, the job runner and the jobs record through these few methods; nothing else
 * touches prom-client.
 */
export class Metrics {
	public readonly registry = new Registry();

	private readonly interactions = new Counter({
		name: 'her_interactions_total',
		help: 'Interactions handled, by command, kind (command, autocomplete, button, modal) and outcome',
		labelNames: ['command', 'kind', 'outcome'] as const,
		registers: [this.registry],
	});

	private readonly interactionSeconds = new Histogram({
		name: 'her_interaction_duration_seconds',
		help: 'Time from receiving an interaction to having answered it',
		labelNames: ['command', 'kind'] as const,
		buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
		registers: [this.registry],
	});

	private readonly dailyPosts = new Counter({
		name: 'her_daily_posts_total',
		help: 'Daily reflection prompts, by outcome: sent on time, sent late, skipped (missed day), paused',
		labelNames: ['outcome'] as const,
		registers: [this.registry],
	});

	private readonly beats = new Counter({
		name: 'her_watchparty_beats_total',
		help: 'Watch-party beats, by outcome: posted on time, posted late, lost (never posted)',
		labelNames: ['outcome'] as const,
		registers: [this.registry],
	});

	private readonly rateLimits = new Counter({
		name: 'her_rest_429_total',
		help: 'REST responses with status 429, by X-RateLimit-Scope (user, shared, global)',
		labelNames: ['scope'] as const,
		registers: [this.registry],
	});

	private readonly tickSeconds = new Histogram({
		name: 'her_job_tick_duration_seconds',
		help: 'How long one run of a periodic job took',
		labelNames: ['job'] as const,
		buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
		registers: [this.registry],
	});

	private readonly tickLag = new Gauge({
		name: 'her_job_lag_seconds',
		help: 'How late the last run of a job started, after the time it was due',
		labelNames: ['job'] as const,
		registers: [this.registry],
	});

	public constructor() {
		collectDefaultMetrics({ register: this.registry });
	}

	/** Gauges read from the client when scraped: gateway ping per shard, and guilds. */
	public watchClient(client: Client): void {
		new Gauge({
			name: 'her_gateway_ping_seconds',
			help: 'Last heartbeat round trip, per gateway shard of this process',
			labelNames: ['shard'] as const,
			registers: [this.registry],
			collect() {
				this.reset();
				for (const [id, shard] of client.ws.shards) {
					if (shard.status === Status.Ready && shard.ping >= 0) this.set({ shard: String(id) }, shard.ping / 1000);
				}
			},
		});
		new Gauge({
			name: 'her_guilds',
			help: 'Servers on the shards of this process',
			registers: [this.registry],
			collect() {
				this.set(client.guilds.cache.size);
			},
		});
	}

	public interaction(interaction: Interaction, outcome: InteractionOutcome, seconds: number): void {
		const labels = interactionLabels(interaction);
		this.interactions.inc({ ...labels, outcome });
		this.interactionSeconds.observe(labels, seconds);
	}

	/** A daily prompt went out `lateByMs` after its time. */
	public dailyPostSent(lateByMs: number): void {
		this.dailyPosts.inc({ outcome: lateByMs > LATE_AFTER_MS ? 'late' : 'sent' });
	}

	public dailyPost(outcome: Exclude<DailyPostOutcome, 'sent' | 'late'>): void {
		this.dailyPosts.inc({ outcome });
	}

	public beat(outcome: BeatOutcome, count = 1): void {
		if (count > 0) this.beats.inc({ outcome }, count);
	}

	public rateLimited(scope: string): void {
		this.rateLimits.inc({ scope });
	}

	public jobTick(job: string, seconds: number, lagSeconds: number): void {
		this.tickSeconds.observe({ job }, seconds);
		this.tickLag.set({ job }, Math.max(0, lagSeconds));
	}
}

/** The command an interaction belongs to (a button's is the one its custom id names) and its kind. */
function interactionLabels(interaction: Interaction): { command: string; kind: string } {
	if (interaction.isAutocomplete()) return { command: interaction.commandName, kind: 'autocomplete' };
	if (interaction.isCommand()) return { command: interaction.commandName, kind: 'command' };
	if (interaction.isButton() || interaction.isModalSubmit()) {
		return {
			command: decodeCustomId(interaction.customId)?.command ?? 'unknown',
			kind: interaction.isButton() ? 'button' : 'modal',
		};
	}
	return { command: 'unknown', kind: 'other' };
}
