/**
 * The fake's world model: guilds, channels, roles, users, messages, threads and scheduled events,
 * snowflakes on a controllable clock, and Discord's permission arithmetic.
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';

/** Channel types as plain numbers (Discord's values). */
export const ChannelKind = {
	GuildText: 0,
	GuildVoice: 2,
	GuildCategory: 4,
	GuildAnnouncement: 5,
	AnnouncementThread: 10,
	PublicThread: 11,
	PrivateThread: 12,
	GuildStageVoice: 13,
	GuildForum: 15,
} as const;

/** Loose JSON object as it travels over the wire. One alias so the `any` lives in one place. */
export type Json = Record<string, any>;

export const DISCORD_EPOCH = 1_420_070_400_000n;
export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);

/** Default permissions of @everyone in a fresh guild (roughly what Discord gives). */
export const DEFAULT_EVERYONE =
	PermissionFlagsBits.ViewChannel |
	PermissionFlagsBits.SendMessages |
	PermissionFlagsBits.SendMessagesInThreads |
	PermissionFlagsBits.CreatePublicThreads |
	PermissionFlagsBits.CreatePrivateThreads |
	PermissionFlagsBits.EmbedLinks |
	PermissionFlagsBits.AttachFiles |
	PermissionFlagsBits.ReadMessageHistory |
	PermissionFlagsBits.AddReactions |
	PermissionFlagsBits.UseExternalEmojis |
	PermissionFlagsBits.UseApplicationCommands |
	PermissionFlagsBits.Connect |
	PermissionFlagsBits.Speak;

/** What the bot needs per DESIGN.md (invite permissions), used for the default bot role. */
export const DEFAULT_BOT =
	PermissionFlagsBits.ViewChannel |
	PermissionFlagsBits.SendMessages |
	PermissionFlagsBits.SendMessagesInThreads |
	PermissionFlagsBits.CreatePublicThreads |
	PermissionFlagsBits.EmbedLinks |
	PermissionFlagsBits.ReadMessageHistory |
	PermissionFlagsBits.ManageThreads |
	PermissionFlagsBits.ManageEvents |
	PermissionFlagsBits.CreateEvents |
	PermissionFlagsBits.MentionEveryone;

export type PermissionName = keyof typeof PermissionFlagsBits;
export type PermissionsInput = bigint | readonly PermissionName[];

export function toBits(p: PermissionsInput | undefined): bigint {
	if (p === undefined) return 0n;
	if (typeof p === 'bigint') return p;
	return p.reduce((acc, name) => acc | PermissionFlagsBits[name], 0n);
}

/** Discord's clock: real time (optionally shifted), frozen at a moment, or following the test's clock. */
export class Clock {
	private offset = 0;
	private fixed: number | null = null;
	private source: (() => number) | null = null;
	now(): number {
		return this.source?.() ?? this.fixed ?? Date.now() + this.offset;
	}
	/** Freeze the clock at `ms` (epoch milliseconds). */
	set(ms: number): void {
		this.source = null;
		this.fixed = ms;
	}
	/** Real time again, shifted by `offsetMs`. */
	real(offsetMs = 0): void {
		this.source = null;
		this.fixed = null;
		this.offset = offsetMs;
	}
	/** Read the time from `now` (the test's clock, the one the bot reads), so Discord and the bot agree. */
	follow(now: () => number | Date): void {
		this.source = () => {
			const t = now();
			return typeof t === 'number' ? t : t.getTime();
		};
	}
	/** Real time (possibly shifted): neither frozen nor following another clock. */
	get isReal(): boolean {
		return this.source === null && this.fixed === null;
	}
	advance(ms: number): void {
		if (this.source) throw new Error('fake-discord: the clock follows the test clock; move that one');
		if (this.fixed !== null) this.fixed += ms;
		else this.offset += ms;
	}
	iso(): string {
		return new Date(this.now()).toISOString();
	}
}

/**
 * Snowflakes carrying the fake clock's time, unique as Discord's are: within one millisecond the increment
 * counts up, and past its 4096 (a frozen clock, a big world) the id takes the next millisecond. A clock set
 * back (a test's clock) gives ids of that earlier time.
 */
export class Snowflakes {
	/** next free increment per millisecond used */
	private readonly used = new Map<bigint, bigint>();
	constructor(private readonly clock: Clock) {}
	next(): string {
		let ms = BigInt(Math.floor(this.clock.now()));
		while ((this.used.get(ms) ?? 0n) > 0xfffn) ms++;
		const increment = this.used.get(ms) ?? 0n;
		this.used.set(ms, increment + 1n);
		return (((ms - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
	}
}

export function snowflakeTime(id: string): number {
	return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export interface Overwrite {
	/** role or member id */
	id: string;
	type: 0 | 1;
	allow: bigint;
	deny: bigint;
}

export interface Role {
	id: string;
	name: string;
	permissions: bigint;
	position: number;
	color: number;
	managed: boolean;
	mentionable?: boolean;
	botId?: string;
}

export interface Channel {
	id: string;
	guildId: string;
	name: string;
	type: number;
	position: number;
	parentId: string | null;
	topic: string | null;
	nsfw: boolean;
	overwrites: Overwrite[];
	/** threads */
	ownerId?: string;
	archived?: boolean;
	locked?: boolean;
	autoArchiveDuration?: number;
	createdAt?: string;
	messageCount?: number;
	/** message id the thread was started from */
	starterMessageId?: string;
	/** forum channels: the tags posts may carry (Discord's forum tag objects) */
	availableTags?: {
		id: string;
		name: string;
		moderated: boolean;
		emoji_id: string | null;
		emoji_name: string | null;
	}[];
	/** forum posts: the tags applied */
	appliedTags?: string[];
	/** channel messages ever sent here (threads: total_message_sent) */
	lastMessageId: string | null;
}

export interface Guild {
	id: string;
	name: string;
	ownerId: string;
	preferredLocale: string;
	roles: Map<string, Role>;
	channels: Map<string, Channel>;
	/** member roles by user id (the bot and configured members) */
	memberRoles: Map<string, string[]>;
	joinedAt: string;
	memberCount: number;
	unavailable: boolean;
}

export interface User {
	id: string;
	username: string;
	globalName: string | null;
	locale: string;
	bot: boolean;
	/** permissions granted as if by an extra role in every guild */
	permissions: bigint;
}

export interface Message {
	id: string;
	channelId: string;
	guildId?: string;
	authorId: string;
	payload: Json;
	nonce?: string;
	/** created through an interaction token */
	interactionId?: string;
	deleted: boolean;
	threadId?: string;
}

export interface ScheduledEvent {
	id: string;
	guildId: string;
	payload: Json;
}

export interface ChannelInit {
	id?: string;
	name: string;
	type?: number;
	parentId?: string | null;
	topic?: string | null;
	position?: number;
	/** overwrites in Discord's wire form or with bigint/permission-name arrays */
	overwrites?: { id: string; type: 0 | 1; allow?: PermissionsInput; deny?: PermissionsInput }[];
	/** shorthand: permissions denied to the bot (member overwrite) in this channel */
	denyBot?: PermissionsInput;
	/** shorthand: permissions denied to @everyone in this channel */
	denyEveryone?: PermissionsInput;
}

export interface RoleInit {
	id?: string;
	name: string;
	permissions?: PermissionsInput;
	position?: number;
	mentionable?: boolean;
}

export interface GuildInit {
	id?: string;
	name?: string;
	preferredLocale?: string;
	/** @everyone permissions (default DEFAULT_EVERYONE) */
	everyonePermissions?: PermissionsInput;
	/** permissions of the bot's managed role (default DEFAULT_BOT) */
	botPermissions?: PermissionsInput;
	/** id of the bot's managed role (default: a fresh snowflake) */
	botRoleId?: string;
	/** channels; default a single text channel #general */
	channels?: ChannelInit[];
	/** extra roles beyond @everyone and the bot role */
	roles?: RoleInit[];
	/** member id -> role ids (role ids or names of `roles`) */
	members?: Record<string, string[]>;
	ownerId?: string;
	memberCount?: number;
}

export class World {
	readonly guilds = new Map<string, Guild>();
	/** channel id -> guild id, for every channel and thread */
	readonly channelIndex = new Map<string, string>();
	readonly users = new Map<string, User>();
	readonly messages = new Map<string, Message>();
	readonly events = new Map<string, ScheduledEvent>();
	readonly ids: Snowflakes;
	readonly bot: User;

	constructor(
		readonly clock: Clock,
		botName = 'Her Film Club',
		botId?: string,
	) {
		this.ids = new Snowflakes(clock);
		this.bot = {
			id: botId ?? this.ids.next(),
			username: botName,
			globalName: null,
			locale: 'en-US',
			bot: true,
			permissions: 0n,
		};
		this.users.set(this.bot.id, this.bot);
	}

	get applicationId(): string {
		return this.bot.id;
	}

	user(init: { id?: string; username?: string; locale?: string; permissions?: PermissionsInput } = {}): User {
		const id = init.id ?? this.ids.next();
		const user: User = {
			id,
			username: init.username ?? `user${this.users.size}`,
			globalName: null,
			locale: init.locale ?? 'en-US',
			bot: false,
			permissions: toBits(init.permissions),
		};
		this.users.set(id, user);
		return user;
	}

	addGuild(init: GuildInit = {}): Guild {
		const id = init.id ?? this.ids.next();
		const ownerId = init.ownerId ?? this.ids.next();
		const roles = new Map<string, Role>();
		roles.set(id, {
			id,
			name: '@everyone',
			permissions: init.everyonePermissions === undefined ? DEFAULT_EVERYONE : toBits(init.everyonePermissions),
			position: 0,
			color: 0,
			managed: false,
		});
		const botRoleId = init.botRoleId ?? this.ids.next();
		roles.set(botRoleId, {
			id: botRoleId,
			name: this.bot.username,
			permissions: init.botPermissions === undefined ? DEFAULT_BOT : toBits(init.botPermissions),
			position: 1,
			color: 0,
			managed: true,
			botId: this.bot.id,
		});
		const byName = new Map<string, string>();
		for (const [i, r] of (init.roles ?? []).entries()) {
			const rid = r.id ?? this.ids.next();
			roles.set(rid, {
				id: rid,
				name: r.name,
				permissions: toBits(r.permissions),
				position: r.position ?? i + 2,
				color: 0,
				managed: false,
				mentionable: r.mentionable ?? false,
			});
			byName.set(r.name, rid);
		}
		const guild: Guild = {
			id,
			name: init.name ?? `Guild ${this.guilds.size + 1}`,
			ownerId,
			preferredLocale: init.preferredLocale ?? 'en-US',
			roles,
			channels: new Map(),
			memberRoles: new Map([[this.bot.id, [botRoleId]]]),
			joinedAt: this.clock.iso(),
			memberCount: init.memberCount ?? 2,
			unavailable: false,
		};
		for (const [uid, rs] of Object.entries(init.members ?? {})) {
			guild.memberRoles.set(
				uid,
				rs.map((r) => byName.get(r) ?? r),
			);
		}
		this.guilds.set(id, guild);
		for (const [i, c] of (init.channels ?? [{ name: 'general' }]).entries()) {
			this.addChannel(id, { position: i, ...c });
		}
		return guild;
	}

	addChannel(guildId: string, init: ChannelInit): Channel {
		const guild = this.guilds.get(guildId);
		if (!guild) throw new Error(`fake-discord: unknown guild ${guildId}`);
		const overwrites: Overwrite[] = (init.overwrites ?? []).map((o) => ({
			id: o.id,
			type: o.type,
			allow: toBits(o.allow),
			deny: toBits(o.deny),
		}));
		if (init.denyBot !== undefined)
			overwrites.push({ id: this.bot.id, type: 1, allow: 0n, deny: toBits(init.denyBot) });
		if (init.denyEveryone !== undefined) {
			overwrites.push({ id: guildId, type: 0, allow: 0n, deny: toBits(init.denyEveryone) });
		}
		const channel: Channel = {
			id: init.id ?? this.ids.next(),
			guildId,
			name: init.name,
			type: init.type ?? ChannelKind.GuildText,
			position: init.position ?? guild.channels.size,
			parentId: init.parentId ?? null,
			topic: init.topic ?? null,
			nsfw: false,
			overwrites,
			lastMessageId: null,
		};
		guild.channels.set(channel.id, channel);
		this.channelIndex.set(channel.id, guildId);
		return channel;
	}

	channel(id: string): Channel | undefined {
		const guildId = this.channelIndex.get(id);
		return guildId === undefined ? undefined : this.guilds.get(guildId)?.channels.get(id);
	}

	removeChannel(id: string): Channel | undefined {
		const ch = this.channel(id);
		if (!ch) return undefined;
		this.guilds.get(ch.guildId)?.channels.delete(id);
		this.channelIndex.delete(id);
		return ch;
	}

	removeGuild(id: string): Guild | undefined {
		const g = this.guilds.get(id);
		if (!g) return undefined;
		for (const cid of g.channels.keys()) this.channelIndex.delete(cid);
		this.guilds.delete(id);
		return g;
	}

	/** Roles of a member in a guild; users' `permissions` act as an implicit extra role. */
	memberRoleIds(guild: Guild, userId: string): string[] {
		return guild.memberRoles.get(userId) ?? [];
	}

	basePermissions(guild: Guild, userId: string): bigint {
		if (guild.ownerId === userId) return ALL_PERMISSIONS;
		let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
		for (const rid of this.memberRoleIds(guild, userId)) perms |= guild.roles.get(rid)?.permissions ?? 0n;
		perms |= this.users.get(userId)?.permissions ?? 0n;
		if (perms & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
		return perms;
	}

	/** Discord's permission computation for a member in a channel (threads use their parent). */
	permissions(channelId: string, userId: string): bigint {
		let channel = this.channel(channelId);
		if (!channel) return 0n;
		const guild = this.guilds.get(channel.guildId);
		if (!guild) return 0n;
		const base = this.basePermissions(guild, userId);
		if (base & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
		if (isThread(channel.type) && channel.parentId) channel = this.channel(channel.parentId) ?? channel;
		let perms = base;
		const everyone = channel.overwrites.find((o) => o.id === guild.id && o.type === 0);
		if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
		const roleIds = new Set(this.memberRoleIds(guild, userId));
		let allow = 0n;
		let deny = 0n;
		for (const o of channel.overwrites) {
			if (o.type === 0 && roleIds.has(o.id)) {
				allow |= o.allow;
				deny |= o.deny;
			}
		}
		perms = (perms & ~deny) | allow;
		const member = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
		if (member) perms = (perms & ~member.deny) | member.allow;
		if (!(perms & PermissionFlagsBits.ViewChannel)) return 0n;
		return perms;
	}

	botPermissions(channelId: string): bigint {
		return this.permissions(channelId, this.bot.id);
	}

	guildBotPermissions(guildId: string): bigint {
		const g = this.guilds.get(guildId);
		return g ? this.basePermissions(g, this.bot.id) : 0n;
	}
}

export function isThread(type: number): boolean {
	return (
		type === ChannelKind.PublicThread || type === ChannelKind.PrivateThread || type === ChannelKind.AnnouncementThread
	);
}

// ---- wire payloads -------------------------------------------------------------------------------

export function userPayload(u: User): Json {
	return {
		id: u.id,
		username: u.username,
		discriminator: '0',
		global_name: u.globalName,
		avatar: null,
		bot: u.bot || undefined,
		public_flags: 0,
		flags: 0,
		banner: null,
		accent_color: null,
		avatar_decoration_data: null,
		collectibles: null,
		primary_guild: null,
	};
}

export function rolePayload(r: Role): Json {
	return {
		id: r.id,
		name: r.name,
		color: r.color,
		colors: { primary_color: r.color, secondary_color: null, tertiary_color: null },
		hoist: false,
		icon: null,
		unicode_emoji: null,
		position: r.position,
		permissions: r.permissions.toString(),
		managed: r.managed,
		mentionable: r.mentionable ?? false,
		flags: 0,
		...(r.botId ? { tags: { bot_id: r.botId } } : {}),
	};
}

export function channelPayload(c: Channel, world: World): Json {
	const base: Json = {
		id: c.id,
		type: c.type,
		guild_id: c.guildId,
		name: c.name,
		position: c.position,
		parent_id: c.parentId,
		flags: 0,
		permission_overwrites: c.overwrites.map((o) => ({
			id: o.id,
			type: o.type,
			allow: o.allow.toString(),
			deny: o.deny.toString(),
		})),
	};
	const forum = c.type === ChannelKind.GuildForum;
	if (forum || c.type === ChannelKind.GuildText || c.type === ChannelKind.GuildAnnouncement) {
		Object.assign(base, {
			topic: c.topic,
			nsfw: c.nsfw,
			last_message_id: c.lastMessageId,
			rate_limit_per_user: 0,
			default_auto_archive_duration: 1440,
			default_thread_rate_limit_per_user: 0,
		});
	}
	if (forum) {
		Object.assign(base, {
			available_tags: c.availableTags ?? [],
			default_reaction_emoji: null,
			default_sort_order: null,
			default_forum_layout: 0,
		});
	}
	if (c.type === ChannelKind.GuildVoice || c.type === ChannelKind.GuildStageVoice) {
		Object.assign(base, { bitrate: 64000, user_limit: 0, rtc_region: null, nsfw: false, rate_limit_per_user: 0 });
	}
	if (isThread(c.type)) {
		delete base.permission_overwrites;
		delete base.position;
		Object.assign(base, {
			owner_id: c.ownerId,
			last_message_id: c.lastMessageId,
			rate_limit_per_user: 0,
			message_count: c.messageCount ?? 0,
			total_message_sent: c.messageCount ?? 0,
			...(c.appliedTags ? { applied_tags: c.appliedTags } : {}),
			member_count: 1,
			thread_metadata: {
				archived: c.archived ?? false,
				auto_archive_duration: c.autoArchiveDuration ?? 1440,
				archive_timestamp: c.createdAt,
				locked: c.locked ?? false,
				create_timestamp: c.createdAt,
				...(c.type === ChannelKind.PrivateThread ? { invitable: true } : {}),
			},
			member: {
				id: c.id,
				user_id: world.bot.id,
				join_timestamp: c.createdAt,
				flags: 0,
			},
		});
	}
	return base;
}

export function memberPayload(world: World, guild: Guild, user: User, joinedAt?: string): Json {
	return {
		user: userPayload(user),
		nick: null,
		avatar: null,
		banner: null,
		roles: world.memberRoleIds(guild, user.id),
		joined_at: joinedAt ?? guild.joinedAt,
		premium_since: null,
		deaf: false,
		mute: false,
		flags: 0,
		pending: false,
		communication_disabled_until: null,
	};
}

export function guildCreatePayload(world: World, guild: Guild): Json {
	const channels: Json[] = [];
	const threads: Json[] = [];
	for (const c of guild.channels.values()) {
		if (isThread(c.type)) threads.push(channelPayload(c, world));
		else channels.push(channelPayload(c, world));
	}
	const firstText = [...guild.channels.values()].find((c) => c.type === ChannelKind.GuildText);
	return {
		id: guild.id,
		name: guild.name,
		icon: null,
		icon_hash: null,
		splash: null,
		discovery_splash: null,
		owner_id: guild.ownerId,
		afk_channel_id: null,
		afk_timeout: 300,
		widget_enabled: false,
		verification_level: 0,
		default_message_notifications: 0,
		explicit_content_filter: 0,
		roles: [...guild.roles.values()].map(rolePayload),
		emojis: [],
		features: [],
		mfa_level: 0,
		application_id: null,
		system_channel_id: firstText?.id ?? null,
		system_channel_flags: 0,
		rules_channel_id: null,
		max_presences: null,
		max_members: 500000,
		vanity_url_code: null,
		description: null,
		banner: null,
		premium_tier: 0,
		premium_subscription_count: 0,
		preferred_locale: guild.preferredLocale,
		public_updates_channel_id: null,
		max_video_channel_users: 25,
		max_stage_video_channel_users: 50,
		nsfw_level: 0,
		stickers: [],
		premium_progress_bar_enabled: false,
		safety_alerts_channel_id: null,
		incidents_data: null,
		hub_type: null,
		// GUILD_CREATE extras
		joined_at: guild.joinedAt,
		large: guild.memberCount > 50,
		unavailable: false,
		member_count: guild.memberCount,
		voice_states: [],
		members: [memberPayload(world, guild, world.bot)],
		channels,
		threads,
		presences: [],
		stage_instances: [],
		guild_scheduled_events: [...world.events.values()].filter((e) => e.guildId === guild.id).map((e) => e.payload),
		soundboard_sounds: [],
		embedded_activities: [],
		lazy: true,
	};
}
