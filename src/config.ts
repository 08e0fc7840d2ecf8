import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord ID (17–20 digits)');

// A bot token is three base64url parts joined by dots; anything else is a paste error.
const token = z
	.string({ error: 'is missing' })
	.trim()
	.min(1, 'is missing')
	.regex(/^[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}$/, 'does not look like a bot token (three parts joined by dots)');

/** A port to listen on; 0 picks a free one (the one taken is logged), for tests and for several bots on one host. */
export const portNumber = z.coerce
	.number({ error: 'must be a port number (1–65535)' })
	.int('must be a port number (1–65535)')
	.min(0, 'must be a port number (1–65535)')
	.max(65_535, 'must be a port number (1–65535)');

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
	HEALTH_PORT: portNumber.optional(),
	HEALTH_HOST: z.string().trim().min(1).default('127.0.0.1'),
	// discord.js's own settings, which its Client reads from the environment itself: checked here, so a host
	// that would silently run the wrong shards (discord.js drops ids it can't use) stops with one line instead.
	SHARDS: z
		.string()
		.transform((raw, ctx) => {
			const ids = parseJson(raw);
			const list = Array.isArray(ids) ? (ids as unknown[]) : [ids];
			if (list.length === 0 || !list.every((id) => Number.isInteger(id) && (id as number) >= 0)) {
				ctx.addIssue({ code: 'custom', message: `must be this host's shard ids as JSON, such as [0,1] (not ${raw})` });
				return z.NEVER;
			}
			return { raw, ids: list as number[] };
		})
		.optional(),
	SHARD_COUNT: z.coerce
		.number({ error: 'must be the total number of shards over all hosts, such as SHARD_COUNT=2' })
		.int('must be the total number of shards over all hosts, such as SHARD_COUNT=2')
		.min(1, 'must be the total number of shards over all hosts, such as SHARD_COUNT=2')
		.optional(),
});

const SHARD_KEYS = new Set<PropertyKey | undefined>(['SHARDS', 'SHARD_COUNT']);

function parseJson(raw: string): unknown {
	try {
		return JSON.parse(raw);
	} catch {
		return undefined;
	}
}

/**
 * discord.js adds the API version itself (`/v10`), so a base that ends in one loses it; a bare origin, such as a
 * REST proxy's `http://proxy-host:8080`, means its `/api`, where @discordjs/proxy (like Discord) takes requests.
 */
function restBase(url: string): string {
	const { origin, pathname } = new URL(url);
	const path = pathname.replace(/\/+$/, '').replace(/\/v\d+$/, '');
	return `${origin}${path === '' ? '/api' : path}`;
}

/** The problems of a host's share of shards, each one line that says how to fix it. */
function shardProblem(shards: { raw: string; ids: number[] } | undefined, count: number | undefined): string | null {
	if (!shards) return null;
	if (count === undefined) {
		return `SHARDS=${shards.raw} needs SHARD_COUNT: set it to the total number of shards over all hosts`;
	}
	if (shards.ids.some((id) => id >= count)) {
		return `SHARDS=${shards.raw} is outside SHARD_COUNT=${count}: shard ids run from 0 to ${count - 1}`;
	}
	const twice = shards.ids.find((id, index) => shards.ids.indexOf(id) !== index);
	if (twice !== undefined) return `SHARDS=${shards.raw} names shard ${twice} twice: list each shard id once`;
	return null;
}

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
	 * Let discord.js open as many gateway shards as Discord recommends (needed past 2,500 servers), unless this
	 * process runs given shards: `SHARDS` / `SHARD_COUNT`, set by an operator splitting the bot over hosts or by
	 * a discord.js ShardingManager. discord.js reads those two itself; they are checked here.
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
	const result = (requireToken ? schema : schema.extend({ DISCORD_TOKEN: token.optional() }))
		.superRefine(
			(value, ctx) => {
				const problem = shardProblem(value.SHARDS, value.SHARD_COUNT);
				if (problem) ctx.addIssue({ code: 'custom', path: [], message: problem });
			},
			// Whenever both read well, whatever else is wrong: every problem is reported at once.
			{ when: ({ issues }) => !issues.some((issue) => SHARD_KEYS.has(issue.path?.[0])) },
		)
		.safeParse(input);
	if (!result.success) {
		// A problem of several variables together (SHARDS and SHARD_COUNT) names them itself.
		const problems = result.error.issues.map((issue) => [...issue.path, issue.message].join(' '));
		throw new ConfigError(`Configuration problem: ${problems.join('; ')}. ${HINT}`);
	}
	const parsed = result.data;
	return Object.freeze({
		token: parsed.DISCORD_TOKEN ?? '',
		applicationId: parsed.DISCORD_APPLICATION_ID,
		guildId: parsed.DISCORD_GUILD_ID,
		apiUrl: restBase(parsed.DISCORD_API_URL),
		databasePath: parsed.DATABASE_PATH,
		databaseUrl: parsed.DATABASE_URL,
		logLevel: parsed.LOG_LEVEL,
		floodLimit: parsed.FLOOD_LIMIT,
		autoShard: parsed.SHARDS === undefined && parsed.SHARD_COUNT === undefined,
		registerCommands: parsed.COMMANDS_REGISTER === 'on',
		health: parsed.HEALTH_PORT === undefined ? undefined : { host: parsed.HEALTH_HOST, port: parsed.HEALTH_PORT },
	});
}
