import {
	ChannelType,
	type AnyThreadChannel,
	type Client,
	type GuildBasedChannel,
	type MessageResolvable,
	type SendableChannels,
	type ThreadAutoArchiveDuration,
} from 'discord.js';
import type { KnownChannel } from './guilds.js';

/** Channels a public thread can be opened in; not threads, forum posts or the chat of a voice channel. */
export const THREAD_PARENT_TYPES: readonly ChannelType[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

export function canOpenThreads<T extends { readonly type: ChannelType }>(channel: T | undefined | null): channel is T {
	return !!channel && THREAD_PARENT_TYPES.includes(channel.type);
}

/**
 * A discord.js channel for a channel the bot knows (src/guilds.ts), to send, edit or fetch messages and open
 * threads in. The client caches no channels (src/client.ts), and asking Discord for one would cost a request
 * per daily post or beat, so it is built from what the bot knows, without a round trip and without being
 * cached. It carries no overwrites or tags: those are read from the GuildDirectory. Null when discord.js
 * does not know the guild (it left, or the guild is unavailable).
 */
export function channelObject(client: Client, channel: KnownChannel): GuildBasedChannel | null {
	const raw = {
		id: channel.id,
		type: channel.type,
		guild_id: channel.guildId,
		name: channel.name,
		parent_id: channel.parentId,
	};
	const channels = client.channels as unknown as {
		_add(data: typeof raw, guild: null, options: { cache: false }): GuildBasedChannel | null;
	};
	return client.guilds.cache.has(channel.guildId) ? channels._add(raw, null, { cache: false }) : null;
}

/**
 * The channel to post in: built from what the bot knows, or, for one it doesn't (a thread archived since
 * it was last seen), asked of Discord. Null when it is gone or not a place to post.
 */
export async function sendableChannel(
	client: Client,
	known: KnownChannel | undefined,
	channelId: string,
): Promise<SendableChannels | null> {
	const channel = known ? channelObject(client, known) : await client.channels.fetch(channelId, { cache: false });
	return channel?.isSendable() ? channel : null;
}

/**
 * Opens a public thread on a message in a text or announcement channel (`message.startThread` would need
 * the channel cached; this is the same request).
 */
export async function startThread(
	client: Client,
	parent: KnownChannel,
	message: MessageResolvable,
	options: { name: string; autoArchiveDuration: ThreadAutoArchiveDuration },
): Promise<AnyThreadChannel> {
	const channel = channelObject(client, parent);
	if (channel?.type !== ChannelType.GuildText && channel?.type !== ChannelType.GuildAnnouncement) {
		throw new Error(`channel ${parent.id} can't have threads`);
	}
	return channel.threads.create({ ...options, startMessage: message });
}
