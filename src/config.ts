import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord ID (17–20 digits)');

// A bot token is three base64url parts joined by dots; anything else is a paste error.
const token = z
	.string({ error: 'is missing' })
	.trim()
	.min(1, 'is missing')
	.regex(/^[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}$/, 'does not look like a bot token (three parts joined by dots)');

const schema = z.object({
	DISCORD_TOKEN: token,
	DISCORD_APPLICATION_ID: snowflake.optional(),
	DISCORD_GUILD_ID: snowflake.optional(),
	DISCORD_API_URL: z
		.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://discord.com/api' })
		.default('https://discord.com/api'),
	DATABASE_PATH: z.string().trim().min(1).default('var/her-film-club.sqlite'),
	DATABASE_URL: z
		.url({
			protocol: /^postgres(ql)?$/,
			error: 'must be a PostgreSQL URL such as postgres://her:password@db.example:5432/her_film_club',
		})
		.optional(),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	FLOOD_LIMIT: z.coerce
		.number({ error: 'must be a whole number (0 turns the limit off)' })
		.int('must be a whole number (0 turns the limit off)')
		.min(0, 'must be a whole number (0 turns the limit off)')
		.default(5),
	COMMANDS_REGISTER: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
	// 0 picks a free port (the one taken is logged), for tests and for running several bots on one host.
	HEALTH_PORT: z.coerce
		.number({ error: 'must be a port number' })
		.int('must be a port number')
		.min(0, 'must be a port number (1–65535)')
		.max(65_535, 'must be a port number (1–65535)')
		.optional(),
	HEALTH_HOST: z.string().trim().min(1).default('127.0.0.1'),
});

export interface Config {
	readonly token: string;
	readonly applicationId: string | undefined;
	readonly guildId: string | undefined;
	readonly apiUrl: string;
	readonly databasePath: string;
	/** PostgreSQL (`DATABASE_URL`), shared by every host; when set, `databasePath` is not used. */
	readonly databaseUrl?: string;
	readonly logLevel: z.infer<typeof schema>['LOG_LEVEL'];
	/**
	 * How many public posts (quotes, questions...) one member may ask for in one channel per minute, so nobody
	 * can flood a channel through the bot. 0, or unset in a config built by hand (tests, the benchmark): no limit.
	 */
	readonly floodLimit?: number;
	/**
	 * Let discord.js open as many gateway shards as Discord recommends (needed past 2,500 servers), unless
	 * a discord.js ShardingManager started this process and assigned its shards (it sets `SHARDS`).
	 */
	readonly autoShard: boolean;
	/** `npm start` registers the slash commands when Discord's differ (`COMMANDS_REGISTER`); unset means on. */
	readonly registerCommands?: boolean;
	/** Where `/healthz` and `/metrics` listen; unset (the default) means no HTTP server. */
	readonly health?: { readonly host: string; readonly port: number };
}

export class ConfigError extends Error {
	public override readonly name = 'ConfigError';
}

const HINT = 'Copy .env.example to .env and fill it in; see "Configuration" in README.md.';

/**
 * Parses the environment once. Every problem is reported together in one message that never
 * contains the token itself. `requireToken: false` is for offline tools such as `deploy --dry-run`.
 */
export function loadConfig(env: NodeJS.ProcessEnv, { requireToken = true } = {}): Config {
	const input = Object.fromEntries(
		Object.entries(env).filter(([key, value]) => key in schema.shape && value !== undefined && value.trim() !== ''),
	);
	const result = (requireToken ? schema : schema.extend({ DISCORD_TOKEN: token.optional() })).safeParse(input);
	if (!result.success) {
		const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
		throw new ConfigError(`Configuration problem: ${problems.join('; ')}. ${HINT}`);
	}
	const parsed = result.data;
	return Object.freeze({
		token: parsed.DISCORD_TOKEN ?? '',
		applicationId: parsed.DISCORD_APPLICATION_ID,
		guildId: parsed.DISCORD_GUILD_ID,
		apiUrl: parsed.DISCORD_API_URL.replace(/\/+$/, ''),
		databasePath: parsed.DATABASE_PATH,
		databaseUrl: parsed.DATABASE_URL,
		logLevel: parsed.LOG_LEVEL,
		floodLimit: parsed.FLOOD_LIMIT,
		autoShard: env.SHARDS === undefined,
		registerCommands: parsed.COMMANDS_REGISTER === 'on',
		health: parsed.HEALTH_PORT === undefined ? undefined : { host: parsed.HEALTH_HOST, port: parsed.HEALTH_PORT },
	});
}
