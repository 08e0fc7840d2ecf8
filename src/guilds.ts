import {
	ChannelType,
	GatewayDispatchEvents,
	OverwriteType,
	PermissionFlagsBits,
	PermissionsBitField,
	type APIChannel,
	type APIGuildForumTag,
	type APIOverwrite,
	type APIRole,
	type APIThreadChannel,
	type GatewayDispatchPayload,
} from 'discord.js';

/** What the bot knows of one channel or active thread: enough to check its permissions and to post there. */
export interface KnownChannel {
	readonly id: string;
	readonly guildId: string;
	readonly type: ChannelType;
	readonly name: string;
	/** A thread's channel, or a channel's category. */
	readonly parentId: string | null;
	/** The overwrites that can touch the bot: @everyone's, the roles', the bot's own. Absent when there are none. */
	readonly overwrites?: readonly KnownOverwrite[];
	/** A forum's tags, which its posts may carry. */
	readonly tags?: readonly KnownTag[];
}

interface KnownOverwrite {
	/** The guild's id for @everyone, a role's id, or the bot's user id. */
	readonly id: string;
	readonly allow: bigint;
	readonly deny: bigint;
}

export interface KnownTag {
	readonly id: string;
	readonly name: string;
}

export interface KnownRole {
	readonly permissions: bigint;
	readonly mentionable: boolean;
}

interface KnownGuild {
	ownerId: string;
	roles: Map<string, KnownRole>;
	/** The roles the bot's member has (@everyone is implied). */
	botRoleIds: readonly string[];
	/** The bot's own managed role, as admins see it in the permission editor. */
	botRoleName: string | undefined;
	channels: Map<string, KnownChannel>;
}

const EVERYTHING = new PermissionsBitField(PermissionsBitField.All).freeze();
const NONE = new PermissionsBitField().freeze();
const THREAD_TYPES: ReadonlySet<ChannelType> = new Set([
	ChannelType.PublicThread,
	ChannelType.PrivateThread,
	ChannelType.AnnouncementThread,
]);

export const isThreadType = (type: ChannelType) => THREAD_TYPES.has(type);

/**
 * Per guild, only what the bot reads of its channels and roles, fed from the gateway's raw dispatches:
 * discord.js keeps the guilds themselves but, to stay light at thousands of servers, no channel, role or
 * overwrite caches (src/client.ts; README, Performance). Channels are kept with their type, parent, name
 * and the overwrites that can concern the bot; active threads likewise (they take their parent's
 * permissions); roles with their permissions and whether anyone may mention them. Events about a guild or
 * channel it doesn't know are ignored.
 */
export class GuildDirectory {
	private readonly guilds = new Map<string, KnownGuild>();
	private botId: string | undefined;

	/** One raw gateway dispatch (`client.on(Events.Raw, ...)`); everything else is ignored. */
	public handle(packet: { t?: string | null; d?: unknown }): void {
		const dispatch = packet as GatewayDispatchPayload;
		switch (dispatch.t) {
			case GatewayDispatchEvents.Ready:
				this.botId = dispatch.d.user.id;
				return;
			case GatewayDispatchEvents.GuildCreate: {
				const { d } = dispatch;
				if (d.unavailable) return;
				const guild = this.patchGuild(d.id, d.owner_id, d.roles);
				const me = d.members?.find((member) => member.user.id === this.botId);
				if (me) guild.botRoleIds = me.roles;
				guild.channels.clear();
				for (const channel of d.channels ?? []) this.putChannel(d.id, channel);
				for (const thread of d.threads ?? []) this.putChannel(d.id, thread);
				return;
			}
			case GatewayDispatchEvents.GuildUpdate:
				if (this.guilds.has(dispatch.d.id)) this.patchGuild(dispatch.d.id, dispatch.d.owner_id, dispatch.d.roles);
				return;
			case GatewayDispatchEvents.GuildDelete:
				this.guilds.delete(dispatch.d.id);
				return;
			case GatewayDispatchEvents.GuildRoleCreate:
			case GatewayDispatchEvents.GuildRoleUpdate: {
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (!guild) return;
				guild.roles.set(dispatch.d.role.id, knownRole(dispatch.d.role));
				if (this.isBotRole(dispatch.d.role)) guild.botRoleName = dispatch.d.role.name;
				return;
			}
			case GatewayDispatchEvents.GuildRoleDelete:
				this.guilds.get(dispatch.d.guild_id)?.roles.delete(dispatch.d.role_id);
				return;
			case GatewayDispatchEvents.GuildMemberUpdate: {
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (guild && dispatch.d.user.id === this.botId) guild.botRoleIds = dispatch.d.roles;
				return;
			}
			case GatewayDispatchEvents.ChannelCreate:
			case GatewayDispatchEvents.ChannelUpdate:
			case GatewayDispatchEvents.ThreadCreate:
			case GatewayDispatchEvents.ThreadUpdate:
				if ('guild_id' in dispatch.d && dispatch.d.guild_id) this.putChannel(dispatch.d.guild_id, dispatch.d);
				return;
			case GatewayDispatchEvents.ChannelDelete:
			case GatewayDispatchEvents.ThreadDelete: {
				const guildId = 'guild_id' in dispatch.d ? dispatch.d.guild_id : undefined;
				const guild = guildId ? this.guilds.get(guildId) : undefined;
				if (!guild) return;
				guild.channels.delete(dispatch.d.id);
				// A channel's threads go with it.
				for (const [id, channel] of guild.channels) if (channel.parentId === dispatch.d.id) guild.channels.delete(id);
				return;
			}
			case GatewayDispatchEvents.ThreadListSync: {
				// The threads of the channels named (or of the whole guild) are exactly those listed.
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (!guild) return;
				const synced = dispatch.d.channel_ids && new Set(dispatch.d.channel_ids);
				for (const [id, channel] of guild.channels) {
					if (isThreadType(channel.type) && (!synced || (channel.parentId && synced.has(channel.parentId)))) {
						guild.channels.delete(id);
					}
				}
				for (const thread of dispatch.d.threads) this.putChannel(dispatch.d.guild_id, thread);
				return;
			}
			default:
				return;
		}
	}

	/** Whether the guild is known (the bot is in it and it is available). */
	public has(guildId: string): boolean {
		return this.guilds.has(guildId);
	}

	public channel(guildId: string, channelId: string): KnownChannel | undefined {
		return this.guilds.get(guildId)?.channels.get(channelId);
	}

	public role(guildId: string, roleId: string): KnownRole | undefined {
		return this.guilds.get(guildId)?.roles.get(roleId);
	}

	/** The bot's own role's name, for fixes that say which role to edit; undefined if it has none. */
	public botRoleName(guildId: string): string | undefined {
		return this.guilds.get(guildId)?.botRoleName;
	}

	/**
	 * The bot's permissions in a channel (a thread: in its parent), as Discord computes them: the owner and
	 * Administrator may do everything; otherwise @everyone's and the bot's roles' permissions, then the
	 * channel's @everyone overwrite, its role overwrites together, and the bot's own. None in a channel
	 * (or guild) gone since.
	 * https://discord.com/developers/docs/topics/permissions#permission-overwrites
	 */
	public permissionsIn(channel: KnownChannel): Readonly<PermissionsBitField> {
		const { guildId } = channel;
		const guild = this.guilds.get(guildId);
		const where = isThreadType(channel.type) ? guild?.channels.get(channel.parentId ?? '') : channel;
		if (!guild || !where || this.botId === undefined) return NONE;
		if (guild.ownerId === this.botId) return EVERYTHING;
		let permissions = guild.roles.get(guildId)?.permissions ?? 0n;
		for (const roleId of guild.botRoleIds) permissions |= guild.roles.get(roleId)?.permissions ?? 0n;
		if (permissions & PermissionFlagsBits.Administrator) return EVERYTHING;
		const overwrites = where.overwrites ?? [];
		const everyone = overwrites.find((overwrite) => overwrite.id === guildId);
		if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
		let allow = 0n;
		let deny = 0n;
		for (const overwrite of overwrites) {
			if (overwrite.id !== guildId && guild.botRoleIds.includes(overwrite.id)) {
				allow |= overwrite.allow;
				deny |= overwrite.deny;
			}
		}
		permissions = (permissions & ~deny) | allow;
		const own = overwrites.find((overwrite) => overwrite.id === this.botId);
		if (own) permissions = (permissions & ~own.deny) | own.allow;
		return new PermissionsBitField(permissions).freeze();
	}

	private patchGuild(id: string, ownerId: string, roles: readonly APIRole[]): KnownGuild {
		const guild = this.guilds.get(id) ?? {
			ownerId,
			roles: new Map(),
			botRoleIds: [],
			botRoleName: undefined,
			channels: new Map(),
		};
		guild.ownerId = ownerId;
		guild.roles = new Map(roles.map((role) => [role.id, knownRole(role)]));
		guild.botRoleName = roles.find((role) => this.isBotRole(role))?.name;
		this.guilds.set(id, guild);
		return guild;
	}

	private isBotRole(role: APIRole): boolean {
		return role.managed && this.botId !== undefined && role.tags?.bot_id === this.botId;
	}

	private putChannel(guildId: string, channel: APIChannel): void {
		const guild = this.guilds.get(guildId);
		if (!guild) return;
		// An archived thread is forgotten, as Discord forgets it in GUILD_CREATE; a post there looks it up.
		if (isThreadType(channel.type) && (channel as APIThreadChannel).thread_metadata?.archived) {
			guild.channels.delete(channel.id);
			return;
		}
		const overwrites =
			'permission_overwrites' in channel ? this.overwritesForBot(channel.permission_overwrites ?? []) : [];
		const tags = channel.type === ChannelType.GuildForum || channel.type === ChannelType.GuildMedia
			? channel.available_tags.map((tag: APIGuildForumTag) => ({ id: tag.id, name: tag.name }))
			: [];
		guild.channels.set(channel.id, {
			id: channel.id,
			guildId,
			type: channel.type,
			name: channel.name ?? '',
			parentId: 'parent_id' in channel ? (channel.parent_id ?? null) : null,
			...(overwrites.length > 0 ? { overwrites } : {}),
			...(tags.length > 0 ? { tags } : {}),
		});
	}

	/** Member overwrites for anyone but the bot can't change what the bot may do. */
	private overwritesForBot(overwrites: readonly APIOverwrite[]): KnownOverwrite[] {
		return overwrites
			.filter((overwrite) => overwrite.type === OverwriteType.Role || overwrite.id === this.botId)
			.map((overwrite) => ({ id: overwrite.id, allow: BigInt(overwrite.allow), deny: BigInt(overwrite.deny) }));
	}
}

function knownRole(role: APIRole): KnownRole {
	return { permissions: BigInt(role.permissions), mentionable: role.mentionable };
}
