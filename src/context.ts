import type { Config } from './config.js';
import type { Dataset } from './dataset/schema.js';
import type { GuildDirectory } from './guilds.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Db } from './store/database.js';
import type { DatabaseOutage } from './store/outage.js';
import type { RotationStore } from './store/rotation.js';
import type { SettingsStore } from './store/settings.js';

/** Everything a handler or job needs, built once at start and passed in (nothing reads globals). */
export interface BotContext {
	readonly config: Config;
	readonly logger: Logger;
	readonly db: Db;
	/** Logs a database outage once, start and end; interactions and jobs report to it. */
	readonly outage: DatabaseOutage;
	readonly dataset: Dataset;
	/** The guilds' channels, roles and the bot's permissions, as the gateway told this client. */
	readonly guilds: GuildDirectory;
	readonly settings: SettingsStore;
	readonly rotation: RotationStore;
	/** The clock every schedule reads; tests inject one they can move. */
	readonly now: () => Date;
	/** A random number in [0, 1); tests inject a seeded one. */
	readonly random: () => number;
	/** What `/metrics` counts; absent in unit tests, hence `ctx.metrics?.…` at the few places that record. */
	readonly metrics?: Metrics;
}
