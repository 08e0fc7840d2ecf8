import { Client, GatewayIntentBits, Options } from 'discord.js';
import type { Config } from './config.js';

/**
 * The bot needs guilds, their channels and roles (for permission checks) and itself. Everything else
 * discord.js would cache by default (messages, members, emojis, stickers, presences...) is never read.
 */
export function createClient(config: Config): Client {
	return new Client({
		intents: [GatewayIntentBits.Guilds],
		rest: { api: config.apiUrl },
		allowedMentions: { parse: [], repliedUser: false },
		makeCache: Options.cacheWithLimits({
			...Options.DefaultMakeCacheSettings,
			ApplicationCommandManager: 0,
			AutoModerationRuleManager: 0,
			BaseGuildEmojiManager: 0,
			DMMessageManager: 0,
			EntitlementManager: 0,
			GuildBanManager: 0,
			GuildEmojiManager: 0,
			GuildForumThreadManager: 0,
			GuildInviteManager: 0,
			GuildMessageManager: 0,
			GuildScheduledEventManager: 0,
			GuildStickerManager: 0,
			GuildTextThreadManager: 0,
			MessageManager: 0,
			PresenceManager: 0,
			ReactionManager: 0,
			ReactionUserManager: 0,
			StageInstanceManager: 0,
			ThreadMemberManager: 0,
			VoiceStateManager: 0,
			GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
			UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
		}),
	});
}
