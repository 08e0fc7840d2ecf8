import { Events, type Client } from 'discord.js';
import { COMMANDS } from '../commands/index.js';
import type { Command } from './command.js';
import type { Config } from './config.js';
import type { BotContext } from './context.js';
import { createClient, dropUncachedParts } from './client.js';
import { loadDataset } from './dataset/load.js';
import { GuildDirectory } from './guilds.js';
import { registerCardFonts } from './render/card.js';
import { commandBodies } from './deploy.js';
import { startHealthServer, unhealthyReason, type HealthServer } from './health.js';
import { JOBS, startJobs, type Job, type RunningJobs } from './jobs.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { inviteUrl } from './permissions.js';
import { registerCommands } from './register.js';
import { createRouter } from './router.js';
import { InteractionGate } from './shutdown.js';
import { openDatabase } from './store/database.js';
import { DatabaseOutage } from './store/outage.js';
import { RotationStore } from './store/rotation.js';
import { SettingsStore } from './store/settings.js';

export interface BotOptions {
	readonly config: Config;
	readonly logger: Logger;
	readonly now?: () => Date;
	readonly random?: () => number;
	readonly commands?: readonly Command[];
	readonly jobs?: readonly Job[];
}

export interface RunningBot {
	readonly client: Client;
	readonly ctx: BotContext;
	/** Resolves once the gateway is ready, the commands are registered and the jobs have started. */
	readonly ready: Promise<void>;
	/** `/healthz` and `/metrics`, when `config.health` asks for them. */
	readonly health: HealthServer | undefined;
	/**
	 * Stops taking interactions (new ones are told the bot is restarting), lets those in flight and the
	 * jobs' current sends finish for up to `drainMs`, then closes the gateway and the database. Whatever
	 * is still unsent then stays claimed in the database, and the next start sends it once.
	 */
	stop(options?: { drainMs?: number }): Promise<void>;
}

/** Time left for in-flight work on a stop: inside the 8 s a service manager waits (Docker's grace is 10 s). */
const DRAIN_MS = 6_000;

/**
 * Builds the bot from its parts and logs in. The dataset is loaded and checked before anything
 * connects, so a broken dataset stops the start with one clear message (`DatasetError`).
 */
export async function startBot(options: BotOptions): Promise<RunningBot> {
	const { config, logger } = options;
	const dataset = loadDataset();
	registerCardFonts();
	const db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { path: config.databasePath });
	const metrics = new Metrics();
	const ctx: BotContext = {
		config,
		logger,
		db,
		dataset,
		guilds: new GuildDirectory(),
		outage: new DatabaseOutage(logger),
		settings: new SettingsStore(db),
		rotation: new RotationStore(db),
		now: options.now ?? (() => new Date()),
		random: options.random ?? Math.random,
		metrics,
	};
	const commands = options.commands ?? COMMANDS;
	const client = createClient(config);
	metrics.watchClient(client);
	const gate = new InteractionGate(createRouter(commands, ctx), logger, metrics);
	let jobs: RunningJobs | undefined;
	let stopping: Promise<void> | undefined;
	let health: HealthServer | undefined;
	if (config.health) {
		try {
			health = await startHealthServer({
				...config.health,
				metrics,
				reason: () => unhealthyReason(client, db, stopping !== undefined),
			});
		} catch (error) {
			await db.destroy();
			throw error;
		}
		logger.info({ host: config.health.host, port: health.port }, 'health and metrics listening');
	}

	// Emitted before discord.js handles each dispatch: the directory is up to date when a handler runs.
	client.on(Events.Raw, (packet: { t?: string | null; d?: unknown }) => {
		try {
			ctx.guilds.handle(packet);
		} catch (error) {
			logger.error({ err: error, event: packet.t }, 'could not read a gateway event');
		}
		dropUncachedParts(packet);
	});
	client.on(Events.InteractionCreate, (interaction) => gate.handle(interaction));
	client.on(Events.Error, (error) => logger.error({ err: error }, 'client error'));
	client.on(Events.Warn, (message) => logger.warn(message));
	client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ shardId, code: event.code }, 'gateway closed'));
	client.on(Events.ShardResume, (shardId) => logger.info({ shardId }, 'gateway resumed'));
	client.rest.on('rateLimited', (info) =>
		logger.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'rate limited'),
	);
	client.rest.on('response', (_request, response) => {
		if (response.status === 429) metrics.rateLimited(response.headers.get('x-ratelimit-scope') ?? 'user');
	});

	const ready = new Promise<void>((resolve) => {
		client.once(Events.ClientReady, (readyClient) => {
			void (async () => {
				// One process registers: the one with shard 0 (under a ShardingManager, or with SHARDS split over hosts).
				if (config.registerCommands !== false && readyClient.ws.shards.has(0)) {
					await register(readyClient, commands, ctx);
				}
				if (stopping) return;
				jobs = startJobs(options.jobs ?? JOBS, readyClient, ctx);
				const invite = inviteUrl(readyClient.application.id);
				logger.info({ invite }, `invite the bot to a server: ${invite}`);
				logger.info({ guilds: readyClient.guilds.cache.size, user: readyClient.user.tag, invite }, 'ready');
				resolve();
			})();
		});
	});

	const stop = ({ drainMs = DRAIN_MS } = {}): Promise<void> =>
		(stopping ??= (async () => {
			const deadline = new Promise<false>((resolve) => setTimeout(() => resolve(false), drainMs).unref());
			const drained = await Promise.race([Promise.all([gate.close(), jobs?.stop()]).then(() => true), deadline]);
			if (!drained)
				logger.warn({ drainMs }, 'stopped before everything in flight finished; the next start picks it up');
			await client.destroy();
			await health?.close();
			await db.destroy();
		})());

	try {
		await client.login(config.token);
	} catch (error) {
		await client.destroy();
		await health?.close();
		await db.destroy();
		throw error;
	}
	return { client, ctx, ready, health, stop };
}

/** Registers the commands if Discord's differ. A failure is logged with its fix; the bot runs on regardless. */
async function register(client: Client<true>, commands: readonly Command[], ctx: BotContext): Promise<void> {
	const { config, logger } = ctx;
	try {
		const { where, changed } = await registerCommands(
			client.rest,
			client.application.id,
			config.guildId,
			commandBodies(commands),
		);
		const note = config.guildId ? '' : changed ? ' (new global commands can take a few minutes to show)' : '';
		logger.info(
			{ where, changed, commands: commands.length },
			changed ? `slash commands registered ${where}${note}` : `slash commands up to date ${where}`,
		);
	} catch (error) {
		logger.error(
			{ err: error, guildId: config.guildId },
			config.guildId
				? 'could not register the slash commands in DISCORD_GUILD_ID: is the bot in that server, invited with the applications.commands scope?'
				: 'could not register the slash commands; run npm run deploy:global, or set COMMANDS_REGISTER=off and deploy by hand',
		);
	}
}
