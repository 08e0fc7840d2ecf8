import { Events, type Client } from 'discord.js';
import { COMMANDS } from '../commands/index.js';
import type { Command } from './command.js';
import type { Config } from './config.js';
import type { BotContext } from './context.js';
import { createClient } from './client.js';
import { loadDataset } from './dataset/load.js';
import { JOBS, startJobs, type Job, type RunningJobs } from './jobs.js';
import type { Logger } from './logger.js';
import { inviteUrl } from './permissions.js';
import { createRouter } from './router.js';
import { openDatabase } from './store/database.js';
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
	/** Resolves once the gateway is ready and the jobs have started. */
	readonly ready: Promise<void>;
	stop(): Promise<void>;
}

/**
 * Builds the bot from its parts and logs in. The dataset is loaded and checked before anything
 * connects, so a broken dataset stops the start with one clear message (`DatasetError`).
 */
export async function startBot(options: BotOptions): Promise<RunningBot> {
	const { config, logger } = options;
	const dataset = loadDataset();
	const db = openDatabase(config.databasePath);
	const ctx: BotContext = {
		config,
		logger,
		db,
		dataset,
		settings: new SettingsStore(db),
		rotation: new RotationStore(db),
		now: options.now ?? (() => new Date()),
		random: options.random ?? Math.random,
	};
	const client = createClient(config);
	const route = createRouter(options.commands ?? COMMANDS, ctx);
	let jobs: RunningJobs | undefined;

	client.on(Events.InteractionCreate, (interaction) => void route(interaction));
	client.on(Events.Error, (error) => logger.error({ err: error }, 'client error'));
	client.on(Events.Warn, (message) => logger.warn(message));
	client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ shardId, code: event.code }, 'gateway closed'));
	client.on(Events.ShardResume, (shardId) => logger.info({ shardId }, 'gateway resumed'));
	client.rest.on('rateLimited', (info) =>
		logger.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'rate limited'),
	);

	const ready = new Promise<void>((resolve) => {
		client.once(Events.ClientReady, (readyClient) => {
			jobs = startJobs(options.jobs ?? JOBS, readyClient, ctx);
			logger.info(
				{
					guilds: readyClient.guilds.cache.size,
					user: readyClient.user.tag,
					invite: inviteUrl(readyClient.application.id),
				},
				'ready',
			);
			resolve();
		});
	});

	const stop = async (): Promise<void> => {
		await jobs?.stop();
		await client.destroy();
		db.close();
	};

	try {
		await client.login(config.token);
	} catch (error) {
		await client.destroy();
		db.close();
		throw error;
	}
	return { client, ctx, ready, stop };
}
