import {
	ChannelType,
	GatewayDispatchEvents,
	OverwriteType,
	PermissionFlagsBits,
	PermissionsBitField,
	type APIChannel,
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
	/** A forum's tags, which its posts may carry; undefined when it has none. */
	readonly tags: readonly KnownTag[] | undefined;
}

export interface KnownTag {
	readonly id: string;
	readonly name: string;
}

export interface KnownRole {
	readonly id: string;
	readonly mentionable: boolean;
}

/*
 * How it is kept, sized for thousands of guilds (README, Performance): snowflakes as bigints (24 bytes, a
 * snowflake string takes 40), a guild's channels and roles as lists (a few dozen each, looked up a few
 * times per post or command; a Map costs more than its entries), and its roles as parallel lists rather
 * than an object each.
 */
type Id = bigint;

interface StoredOverwrite {
	/** The guild's id for @everyone, a role's id, or the bot's user id. */
	readonly id: Id;
	readonly allow: bigint;
	readonly deny: bigint;
}

interface StoredChannel {
	readonly id: Id;
	readonly type: ChannelType;
	readonly name: string;
	readonly parentId: Id | null;
	/** Only those that can touch the bot: @everyone's, the roles', the bot's own; undefined when none. */
	readonly overwrites: readonly StoredOverwrite[] | undefined;
	readonly tags: readonly KnownTag[] | undefined;
}

interface StoredGuild {
	readonly id: Id;
	ownerId: Id;
	/** Role `i` is `roleIds[i]` with `rolePermissions[i]`; @everyone's id is the guild's. */
	roleIds: Id[];
	rolePermissions: bigint[];
	mentionableRoleIds: Id[];
	/** The roles the bot's member has (@everyone is implied). */
	botRoleIds: Id[];
	/** The bot's own managed role, as admins see it in the permission editor. */
	botRoleName: string | undefined;
	channels: StoredChannel[];
}

const EVERYTHING = new PermissionsBitField(PermissionsBitField.All).freeze();
const NONE = new PermissionsBitField().freeze();
const THREAD_TYPES: ReadonlySet<ChannelType> = new Set([
	ChannelType.PublicThread,
	ChannelType.PrivateThread,
	ChannelType.AnnouncementThread,
]);

const isThreadType = (type: ChannelType) => THREAD_TYPES.has(type);

/**
 * Per guild, only what the bot reads of its channels and roles, fed from the gateway's raw dispatches:
 * discord.js keeps the guilds themselves but, to stay light at thousands of servers, no channel, role or
 * overwrite caches (src/client.ts). Channels are kept with their type, parent, name, forum tags and the
 * overwrites that can concern the bot; active threads likewise (they take their parent's permissions);
 * roles with their permissions and whether anyone may mention them. Events about a guild or channel it
 * doesn't know are ignored.
 */
export class GuildDirectory {
	private readonly guilds = new Map<string, StoredGuild>();
	private botId: Id | undefined;

	/** One raw gateway dispatch (`client.on(Events.Raw, ...)`); anything else is ignored. */
	public handle(packet: { t?: string | null; d?: unknown }): void {
		const dispatch = packet as GatewayDispatchPayload;
		switch (dispatch.t) {
			case GatewayDispatchEvents.Ready:
				this.botId = BigInt(dispatch.d.user.id);
				return;
			case GatewayDispatchEvents.GuildCreate: {
				const { d } = dispatch;
				if (d.unavailable) return;
				const guild = this.patchGuild(d.id, d.owner_id, d.roles);
				const me = d.members?.find((member) => BigInt(member.user.id) === this.botId);
				if (me) guild.botRoleIds = me.roles.map(BigInt);
				guild.channels = exactly([...(d.channels ?? []), ...(d.threads ?? [])].map((c) => this.storedChannel(c)));
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
				const { role } = dispatch.d;
				this.removeRole(guild, BigInt(role.id));
				this.addRole(guild, role);
				return;
			}
			case GatewayDispatchEvents.GuildRoleDelete: {
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (guild) this.removeRole(guild, BigInt(dispatch.d.role_id));
				return;
			}
			case GatewayDispatchEvents.GuildMemberUpdate: {
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (guild && BigInt(dispatch.d.user.id) === this.botId) guild.botRoleIds = dispatch.d.roles.map(BigInt);
				return;
			}
			case GatewayDispatchEvents.ChannelCreate:
			case GatewayDispatchEvents.ChannelUpdate:
			case GatewayDispatchEvents.ThreadCreate:
			case GatewayDispatchEvents.ThreadUpdate: {
				const guild = 'guild_id' in dispatch.d && dispatch.d.guild_id && this.guilds.get(dispatch.d.guild_id);
				if (!guild) return;
				const stored = this.storedChannel(dispatch.d);
				const id = BigInt(dispatch.d.id);
				guild.channels = exactly([
					...guild.channels.map((channel) => (channel.id === id ? undefined : channel)),
					stored,
				]);
				return;
			}
			case GatewayDispatchEvents.ChannelDelete:
			case GatewayDispatchEvents.ThreadDelete: {
				const guild = 'guild_id' in dispatch.d && dispatch.d.guild_id && this.guilds.get(dispatch.d.guild_id);
				if (!guild) return;
				// A channel's threads go with it (a category's channels stay, uncategorized).
				const id = BigInt(dispatch.d.id);
				const goes = (channel: StoredChannel) =>
					channel.id === id || (isThreadType(channel.type) && channel.parentId === id);
				guild.channels = exactly(guild.channels.map((channel) => (goes(channel) ? undefined : channel)));
				return;
			}
			case GatewayDispatchEvents.ThreadListSync: {
				// The threads of the channels named (or of the whole guild) are exactly those listed.
				const guild = this.guilds.get(dispatch.d.guild_id);
				if (!guild) return;
				const synced = dispatch.d.channel_ids?.map(BigInt);
				const stays = (channel: StoredChannel) =>
					!isThreadType(channel.type) || (synced && !synced.some((id) => id === channel.parentId));
				guild.channels = exactly([
					...guild.channels.map((channel) => (stays(channel) ? channel : undefined)),
					...dispatch.d.threads.map((thread) => this.storedChannel(thread)),
				]);
				return;
			}
			default:
				return;
		}
	}

	public channel(guildId: string, channelId: string): KnownChannel | undefined {
		const stored = this.stored(guildId, channelId);
		return stored && knownChannel(guildId, stored);
	}

	public role(guildId: string, roleId: string): KnownRole | undefined {
		const guild = this.guilds.get(guildId);
		const id = snowflake(roleId);
		if (!guild || id === undefined || !guild.roleIds.includes(id)) return undefined;
		return { id: roleId, mentionable: guild.mentionableRoleIds.includes(id) };
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
		const guild = this.guilds.get(channel.guildId);
		const where = isThreadType(channel.type)
			? channel.parentId && this.stored(channel.guildId, channel.parentId)
			: this.stored(channel.guildId, channel.id);
		if (!guild || !where || this.botId === undefined) return NONE;
		if (guild.ownerId === this.botId) return EVERYTHING;
		const hasRole = (id: Id) => id === guild.id || guild.botRoleIds.includes(id);
		let permissions = 0n;
		guild.roleIds.forEach((id, i) => {
			if (hasRole(id)) permissions |= guild.rolePermissions[i]!;
		});
		if (permissions & PermissionFlagsBits.Administrator) return EVERYTHING;
		const overwrites = where.overwrites ?? [];
		const everyone = overwrites.find((overwrite) => overwrite.id === guild.id);
		if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
		let allow = 0n;
		let deny = 0n;
		for (const overwrite of overwrites) {
			if (overwrite.id !== guild.id && guild.botRoleIds.includes(overwrite.id)) {
				allow |= overwrite.allow;
				deny |= overwrite.deny;
			}
		}
		permissions = (permissions & ~deny) | allow;
		const own = overwrites.find((overwrite) => overwrite.id === this.botId);
		if (own) permissions = (permissions & ~own.deny) | own.allow;
		return new PermissionsBitField(permissions).freeze();
	}

	private stored(guildId: string, channelId: string): StoredChannel | undefined {
		const id = snowflake(channelId);
		return id === undefined ? undefined : this.guilds.get(guildId)?.channels.find((channel) => channel.id === id);
	}

	private patchGuild(id: string, ownerId: string, roles: readonly APIRole[]): StoredGuild {
		const guild = this.guilds.get(id) ?? {
			id: BigInt(id),
			ownerId: BigInt(ownerId),
			roleIds: [],
			rolePermissions: [],
			mentionableRoleIds: [],
			botRoleIds: [],
			botRoleName: undefined,
			channels: [],
		};
		guild.ownerId = BigInt(ownerId);
		guild.roleIds = roles.map((role) => BigInt(role.id));
		guild.rolePermissions = roles.map((role) => bits(role.permissions));
		guild.mentionableRoleIds = exactly(guild.roleIds.map((roleId, i) => (roles[i]!.mentionable ? roleId : undefined)));
		guild.botRoleName = roles.find((role) => this.isBotRole(role))?.name;
		this.guilds.set(id, guild);
		return guild;
	}

	private isBotRole(role: APIRole): boolean {
		return role.managed && this.botId !== undefined && role.tags?.bot_id === String(this.botId);
	}

	private addRole(guild: StoredGuild, role: APIRole): void {
		const id = BigInt(role.id);
		guild.roleIds = [...guild.roleIds, id];
		guild.rolePermissions = [...guild.rolePermissions, bits(role.permissions)];
		if (role.mentionable) guild.mentionableRoleIds = [...guild.mentionableRoleIds, id];
		if (this.isBotRole(role)) guild.botRoleName = role.name;
	}

	private removeRole(guild: StoredGuild, id: Id): void {
		const at = guild.roleIds.indexOf(id);
		if (at >= 0) {
			guild.roleIds = guild.roleIds.toSpliced(at, 1);
			guild.rolePermissions = guild.rolePermissions.toSpliced(at, 1);
		}
		guild.mentionableRoleIds = exactly(guild.mentionableRoleIds.map((other) => (other === id ? undefined : other)));
	}

	/** What is kept of a channel; nothing of an archived thread, as Discord leaves those out of GUILD_CREATE. */
	private storedChannel(channel: APIChannel): StoredChannel | undefined {
		if (isThreadType(channel.type) && (channel as APIThreadChannel).thread_metadata?.archived) return undefined;
		const overwrites = 'permission_overwrites' in channel ? this.overwritesForBot(channel.permission_overwrites) : [];
		const tags =
			channel.type === ChannelType.GuildForum || channel.type === ChannelType.GuildMedia
				? (channel.available_tags ?? []).map((tag) => ({ id: tag.id, name: tag.name }))
				: [];
		const parentId = 'parent_id' in channel ? channel.parent_id : null;
		return {
			id: BigInt(channel.id),
			type: channel.type,
			name: channel.name ?? '',
			parentId: parentId ? BigInt(parentId) : null,
			// Both always set, so that every record has one shape.
			overwrites: overwrites.length > 0 ? overwrites : undefined,
			tags: tags.length > 0 ? tags : undefined,
		};
	}

	/** Member overwrites for anyone but the bot can't change what the bot may do. */
	private overwritesForBot(overwrites: readonly APIOverwrite[] | undefined): StoredOverwrite[] {
		return (overwrites ?? [])
			.map((overwrite) => ({ ...overwrite, id: BigInt(overwrite.id) }))
			.filter((overwrite) => overwrite.type === OverwriteType.Role || overwrite.id === this.botId)
			.map((overwrite) => ({ id: overwrite.id, allow: bits(overwrite.allow), deny: bits(overwrite.deny) }));
	}
}

function knownChannel(guildId: string, channel: StoredChannel): KnownChannel {
	return {
		id: String(channel.id),
		guildId,
		type: channel.type,
		name: channel.name,
		parentId: channel.parentId === null ? null : String(channel.parentId),
		tags: channel.tags,
	};
}

/** A snowflake as kept here; undefined for a string that is not one (e.g. an option left empty). */
function snowflake(value: string): Id | undefined {
	return /^\d{1,20}$/.test(value) ? BigInt(value) : undefined;
}

/**
 * The items that are there, in a list of exactly their number: `filter` and `push` leave room to grow,
 * which at thousands of guilds adds up to megabytes.
 */
function exactly<T>(items: readonly (T | undefined)[]): T[] {
	const kept = new Array<T>(items.reduce((count, item) => (item === undefined ? count : count + 1), 0));
	let next = 0;
	for (const item of items) if (item !== undefined) kept[next++] = item;
	return kept;
}

/** Most roles and overwrites grant nothing: they share one 0n rather than a bigint each. */
const bits = (value: string) => (value === '0' ? 0n : BigInt(value));
