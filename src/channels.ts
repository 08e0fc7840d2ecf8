import { ChannelType, type Channel } from 'discord.js';

/** Channels a public thread can be opened in; not threads, forum posts or the chat of a voice channel. */
export const THREAD_PARENT_TYPES: readonly ChannelType[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

export function canOpenThreads(channel: Channel | null): boolean {
	return channel !== null && THREAD_PARENT_TYPES.includes(channel.type);
}
