/**
 * One Discord client in its own process, so each memory figure is that client alone and the fake's
 * work happens elsewhere. Started by bench/run.ts with an IPC channel; talks only to 127.0.0.1.
 *
 *   worker.ts <kind> <apiUrl> [database: a SQLite path or a postgres:// URL] [clockOffsetMs]
 *
 * kind: `bot` (the real bot through startBot, with its jobs), `floor` (a bare client answering every
 * command with a fixed embed), `shell` (the bot, but /her-quote answers the floor's fixed embed: what the
 * router, gate, metrics and client options cost without the command's own work), `default` (a default
 * client, no handlers), `tick` (the bot without its jobs; the parent asks it to run reflection ticks and
 * time them).
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { sql } from 'kysely';
import { COMMANDS } from '../commands/index.js';
import { startBot, type RunningBot } from '../src/bot.js';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { runDueReflections } from '../src/reflection/job.js';
import type { FromParent, ToParent } from './protocol.js';

const TOKEN = 'MTAwMDAwMDAwMDAw.bench.fake-token-for-127-0-0-1';

const [kind, apiUrl, database = '', offsetArg = '0'] = process.argv.slice(2);
let clockOffsetMs = Number(offsetArg);

function send(message: ToParent): void {
	process.send?.(message);
}

async function settledMemory() {
	// Two full collections so what is left is what the client holds, not garbage from parsing.
	for (let i = 0; i < 2; i++) {
		global.gc?.();
		await new Promise((resolve) => setImmediate(resolve));
	}
	const usage = process.memoryUsage();
	return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external };
}

const FIXED_EMBED = { title: 'Her', description: 'The floor: a fixed embed, no lookup.', color: 0xe4572e };

/** The bot's commands, with /her-quote answering the floor's embed instead of picking a quote. */
const shellCommands = COMMANDS.map((command) =>
	command.data.name === 'her-quote'
		? { ...command, execute: async (interaction) => void (await interaction.reply({ embeds: [FIXED_EMBED] })) }
		: command,
) satisfies typeof COMMANDS;

async function startClient(): Promise<{ client: Client; bot?: RunningBot }> {
	if (kind === 'bot' || kind === 'tick' || kind === 'shell') {
		const config: Config = {
			token: TOKEN,
			applicationId: undefined,
			guildId: undefined,
			apiUrl: apiUrl!,
			...(database.startsWith('postgres://')
				? { databasePath: '', databaseUrl: database }
				: { databasePath: database }),
			logLevel: 'silent',
			autoShard: true,
		};
		const bot = await startBot({
			config,
			logger: createLogger('silent'),
			now: () => new Date(Date.now() + clockOffsetMs),
			...(kind === 'tick' ? { jobs: [] } : {}),
			...(kind === 'shell' ? { commands: shellCommands } : {}),
		});
		await bot.ready;
		return { client: bot.client, bot };
	}
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl! } });
	if (kind === 'floor') {
		client.on(Events.InteractionCreate, (interaction) => {
			if (!interaction.isChatInputCommand()) return;
			interaction.reply({ embeds: [FIXED_EMBED] }).catch((error: unknown) => client.emit(Events.Error, error as Error));
		});
	}
	client.on(Events.Error, () => undefined);
	const ready = once(client, Events.ClientReady);
	await client.login(TOKEN);
	await ready;
	return { client };
}

async function main(): Promise<void> {
	const started = performance.now();
	const { client, bot } = await startClient();
	const readyMs = performance.now() - started;
	send({ type: 'ready', guilds: client.guilds.cache.size, readyMs, memory: await settledMemory() });

	process.on('message', (raw: FromParent) => {
		void (async () => {
			if (raw.type === 'stop') {
				await (bot ? bot.stop() : client.destroy());
				process.exit(0);
			}
			if (raw.type === 'usage') {
				const { user, system } = process.cpuUsage();
				send({ type: 'usage', cpuMs: (user + system) / 1000 });
			}
			if (raw.type === 'tick') {
				if (!bot) throw new Error('tick needs the bot');
				clockOffsetMs = raw.clockOffsetMs;
				const samples: number[] = [];
				const cpuSamples: number[] = [];
				for (let i = 0; i < raw.runs; i++) {
					for (const statement of raw.resetSql ?? []) await sql.raw(statement).execute(bot.ctx.db);
					const cpu = process.cpuUsage();
					const t0 = performance.now();
					await runDueReflections(client as Client<true>, bot.ctx);
					samples.push(performance.now() - t0);
					const used = process.cpuUsage(cpu);
					cpuSamples.push((used.user + used.system) / 1000);
				}
				send({ type: 'ticks', samples, cpuSamples });
			}
		})().catch((error: unknown) => {
			send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
		});
	});
}

main().catch((error: unknown) => {
	send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
	process.exit(1);
});
