import { Client, GatewayIntentBits, LimitedCollection, Options, type CacheFactory } from 'discord.js';
import type { Config } from './config.js';

/** Caches the bot never reads: messages, members, emojis, stickers, presences, threads... */
const NEVER_CACHED = new Set([
	'ApplicationCommandManager',
	'AutoModerationRuleManager',
	'BaseGuildEmojiManager',
	'DMMessageManager',
	'EntitlementManager',
	'GuildBanManager',
	'GuildEmojiManager',
	'GuildForumThreadManager',
	'GuildInviteManager',
	'GuildMessageManager',
	'GuildScheduledEventManager',
	'GuildStickerManager',
	'GuildTextThreadManager',
	'MessageManager',
	'PresenceManager',
	'ReactionManager',
	'ReactionUserManager',
	'StageInstanceManager',
	'ThreadMemberManager',
	'VoiceStateManager',
]);

/**
 * The bot needs guilds, their channels and roles (for permission checks) and itself. Every cache it
 * never reads shares one always-empty collection, instead of one empty collection per channel and guild:
 * at 10,000 guilds that alone is most of the difference to a default client (see README, Performance).
 */
function makeCache(): CacheFactory {
	const empty = new LimitedCollection({ maxSize: 0 });
	const limited = Options.cacheWithLimits({
		...Options.DefaultMakeCacheSettings,
		GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
		UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
	});
	return (managerType, holds, manager) =>
		NEVER_CACHED.has(manager.name) || NEVER_CACHED.has(managerType.name)
			? (empty as ReturnType<CacheFactory>)
			: limited(managerType, holds, manager);
}

/**
 * The shortest time we count on Discord to remember a message nonce. Discord says "a few minutes" and
 * documents no number, so every retry that only the nonce guards happens within this much of the first try.
 */
export const NONCE_WINDOW_FLOOR_MS = 2 * 60_000;

/**
 * discord.js's defaults (15 s, 3 retries) let one request's tries run for a minute. Here they end within
 * 20 s: a message post answers in well under a second, and every try of a send must land inside the nonce
 * window above, with room for the jobs' own retries (see DEFAULT_REFLECTION_JOB). A 429 is not a try:
 * Discord took nothing, and discord.js waits it out.
 */
export const REST_TIMING = { timeout: 10_000, retries: 1 } as const;

export function createClient(config: Config): Client {
	return new Client({
		intents: [GatewayIntentBits.Guilds],
		rest: { api: config.apiUrl, ...REST_TIMING },
		...(config.autoShard ? { shards: 'auto' as const } : {}),
		allowedMentions: { parse: [], repliedUser: false },
		makeCache: makeCache(),
	});
}
