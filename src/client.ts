import {
	Client,
	GatewayDispatchEvents,
	GatewayIntentBits,
	LimitedCollection,
	Options,
	type CacheFactory,
	type GatewayGuildCreateDispatchData,
} from 'discord.js';
import type { Config } from './config.js';

/** Caches the bot never reads: messages, members, emojis, stickers, presences, threads... */
const NEVER_CACHED = new Set([
	'ApplicationCommandManager',
	'ApplicationEmojiManager',
	'AutoModerationRuleManager',
	'BaseGuildEmojiManager',
	'DMMessageManager',
	'EntitlementManager',
	'GuildApplicationCommandManager',
	'GuildBanManager',
	'GuildEmojiManager',
	'GuildForumThreadManager',
	'GuildInviteManager',
	'GuildMessageManager',
	'GuildScheduledEventManager',
	'GuildSoundboardSoundManager',
	'GuildStickerManager',
	'GuildTextThreadManager',
	'MessageManager',
	'PollAnswerVoterManager',
	'PresenceManager',
	'ReactionManager',
	'ReactionUserManager',
	'StageInstanceManager',
	'SubscriptionManager',
	'ThreadMemberManager',
	'VoiceStateManager',
]);

/**
 * Channels, roles and their permission overwrites are most of a guild's memory in discord.js; the bot
 * reads only a little of them, which src/guilds.ts keeps from the gateway instead. discord.js warns once
 * per manager that emptying these is unsupported: its own handlers then find no channel or role to
 * update, which is what this bot wants (the start scripts hide that one warning; README, Performance).
 */
const KEPT_ELSEWHERE = new Set(['ChannelManager', 'GuildChannelManager', 'RoleManager', 'PermissionOverwriteManager']);

/**
 * The bot needs guilds and itself from discord.js. Every cache it never reads shares one always-empty
 * collection, instead of one empty collection per channel and guild (see README, Performance).
 */
function makeCache(): CacheFactory {
	const empty = new LimitedCollection({ maxSize: 0 });
	const limited = Options.cacheWithLimits({
		...Options.DefaultMakeCacheSettings,
		GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
		UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
	});
	return (managerType, holds, manager) =>
		NEVER_CACHED.has(manager.name) || NEVER_CACHED.has(managerType.name) || KEPT_ELSEWHERE.has(manager.name)
			? (empty as ReturnType<CacheFactory>)
			: limited(managerType, holds, manager);
}

/**
 * Once the GuildDirectory has read a GUILD_CREATE, discord.js would still build an object for each of its
 * channels, roles and overwrites, only to drop it into a cache that keeps nothing: at 10,000 guilds that
 * garbage leaves about 20 MB more RSS behind and takes a second of the start (README, Performance). So the
 * packet goes on to discord.js without them (it reads them only `if` present); the guild and the bot's
 * member are kept as before.
 */
export function dropUncachedParts(packet: { t?: string | null; d?: unknown }): void {
	if (packet.t !== GatewayDispatchEvents.GuildCreate || typeof packet.d !== 'object' || packet.d === null) return;
	const guild = packet.d as Partial<GatewayGuildCreateDispatchData>;
	delete guild.channels;
	delete guild.threads;
	delete guild.roles;
}

/**
 * How long one request may take, and how often discord.js tries it again itself after a 5xx, a network
 * error or a timeout (429s are waited out apart from this). Sized with the jobs' own retries: one send
 * costs at most (1 + REST_RETRIES) × REST_TIMEOUT_MS = 20 s, so the watch party's engine (backing off 2,
 * 4, 8 s between failed steps) gets four tries inside its 2-minute nonce window
 * (src/watchparty/planner.ts) before a beat is only looked for in its thread, and the daily reflection's
 * lease outlasts a send. discord.js's defaults (15 s, 3 retries: a minute per send) would use up half the
 * window in one try.
 */
const REST_TIMEOUT_MS = 10_000;
const REST_RETRIES = 1;

const snakeCase = Options.createDefault().jsonTransformer as (value: unknown) => unknown;
const API_KEY = /^[a-z]+(?:_[a-z]+)*$/;

/** Whether `value` is already API JSON that discord.js's snake-casing would return unchanged. */
function isApiJson(value: unknown): boolean {
	if (typeof value !== 'object' || value === null || value instanceof Date) return true;
	if (Array.isArray(value)) return value.every(isApiJson);
	if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
	for (const [key, field] of Object.entries(value)) {
		if (!API_KEY.test(key) || (key === 'emoji' && typeof field === 'string') || !isApiJson(field)) return false;
	}
	return true;
}

/**
 * discord.js passes every plain embed and component through lodash's snakeCase, key by key, which costs a
 * `/her-quote` more than building its embed (README, Performance). The bot's payloads are API JSON
 * (`APIEmbed`, `APIButtonComponent`), so they go out as they are; anything else is snake-cased as before.
 */
export function jsonTransformer(value: unknown): unknown {
	return isApiJson(value) ? value : snakeCase(value);
}

export function createClient(config: Config): Client {
	return new Client({
		intents: [GatewayIntentBits.Guilds],
		rest: { api: config.apiUrl, timeout: REST_TIMEOUT_MS, retries: REST_RETRIES },
		...(config.autoShard ? { shards: 'auto' as const } : {}),
		allowedMentions: { parse: [], repliedUser: false },
		makeCache: makeCache(),
		jsonTransformer,
	});
}
