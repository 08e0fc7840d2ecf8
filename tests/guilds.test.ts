import {
	ChannelType,
	Client,
	ClientUser,
	GatewayIntentBits,
	OverwriteType,
	PermissionsBitField,
	type GuildBasedChannel,
	type PermissionResolvable,
} from 'discord.js';
import { describe, expect, test } from 'vitest';
import { dropUncachedParts } from '../src/client.js';
import { GuildDirectory } from '../src/guilds.js';

const BOT = '100000000000000001';
const OWNER = '400000000000000001';
const OTHER_MEMBER = '400000000000000002';
const GUILD = '200000000000000001';
const GENERAL = '300000000000000001';
const CLUB = '300000000000000002';
const THREAD = '300000000000000003';
const CATEGORY = '300000000000000004';
const FORUM = '300000000000000005';
const STAFF = '300000000000000006';
const BOT_ROLE = '500000000000000001';
const MODS = '500000000000000002';
const MEMBERS = '500000000000000003';

const bits = (permissions: PermissionResolvable) => new PermissionsBitField(permissions).bitfield.toString();
const role = (id: string, permissions: PermissionResolvable, extra: object = {}) => ({
	id,
	name: `role ${id.slice(-1)}`,
	permissions: bits(permissions),
	managed: false,
	mentionable: false,
	...extra,
});
const overwrite = (id: string, type: OverwriteType, allow: PermissionResolvable, deny: PermissionResolvable) => ({
	id,
	type,
	allow: bits(allow),
	deny: bits(deny),
});
const text = (id: string, name: string, overwrites: object[] = [], parentId: string | null = null) => ({
	id,
	guild_id: GUILD,
	type: ChannelType.GuildText,
	name,
	parent_id: parentId,
	permission_overwrites: overwrites,
});
const thread = (id: string, parentId: string, archived = false) => ({
	id,
	guild_id: GUILD,
	type: ChannelType.PublicThread,
	name: 'Her watch party',
	parent_id: parentId,
	thread_metadata: { archived, locked: false, auto_archive_duration: 1440, archive_timestamp: '2025-05-14T03:00:00Z' },
});

/** The bot's part of the invite: what its own role grants everywhere. */
const INVITED: PermissionResolvable = ['ViewChannel', 'SendMessages', 'EmbedLinks', 'ReadMessageHistory'];

/** A server like the bot meets it: @everyone may read, the bot's role has what it asked for, two channels. */
function guildCreate(options: { ownerId?: string; botRoles?: string[]; channels?: object[]; threads?: object[] } = {}) {
	return {
		id: GUILD,
		name: 'Film Club',
		owner_id: options.ownerId ?? OWNER,
		roles: [
			role(GUILD, ['ViewChannel', 'ReadMessageHistory']),
			role(BOT_ROLE, INVITED, { name: 'Her Film Club', managed: true, tags: { bot_id: BOT } }),
			role(MODS, ['ManageThreads', 'ManageMessages']),
			role(MEMBERS, [], { mentionable: true }),
		],
		members: [{ user: { id: BOT, username: 'Her Film Club', bot: true }, roles: options.botRoles ?? [BOT_ROLE] }],
		channels: options.channels ?? [text(GENERAL, 'general'), text(CLUB, 'her-club')],
		threads: options.threads ?? [],
	};
}

function directory(guild: object = guildCreate()): GuildDirectory {
	const guilds = new GuildDirectory();
	guilds.handle({ t: 'READY', d: { user: { id: BOT } } });
	guilds.handle({ t: 'GUILD_CREATE', d: guild });
	return guilds;
}

/** The bot's permissions in `channelId` as names, or undefined if it doesn't know the channel. */
function botMay(guilds: GuildDirectory, channelId: string) {
	const channel = guilds.channel(GUILD, channelId);
	return channel && guilds.permissionsIn(channel);
}

describe('GuildDirectory: what the bot may do in a channel', () => {
	test('Given an overwrite that denies the bot’s role Send Messages in one channel, then the bot lacks it there and keeps it elsewhere', () => {
		const guilds = directory(
			guildCreate({
				channels: [
					text(GENERAL, 'general'),
					text(CLUB, 'her-club', [overwrite(BOT_ROLE, OverwriteType.Role, 0n, 'SendMessages')]),
				],
			}),
		);
		expect(botMay(guilds, CLUB)!.has('SendMessages')).toBe(false);
		expect(botMay(guilds, CLUB)!.has('ViewChannel')).toBe(true);
		expect(botMay(guilds, GENERAL)!.has('SendMessages')).toBe(true);
	});

	test('Given @everyone is denied a channel, then the bot is too, unless its role or its own overwrite allows it; another member’s overwrite changes nothing', () => {
		const hidden = overwrite(GUILD, OverwriteType.Role, 0n, 'ViewChannel');
		const guilds = directory(
			guildCreate({
				channels: [
					text(GENERAL, 'general', [hidden, overwrite(OTHER_MEMBER, OverwriteType.Member, 'ViewChannel', 0n)]),
					text(CLUB, 'her-club', [hidden, overwrite(BOT_ROLE, OverwriteType.Role, 'ViewChannel', 0n)]),
					text(STAFF, 'staff', [
						hidden,
						overwrite(BOT_ROLE, OverwriteType.Role, 'ViewChannel', 0n),
						overwrite(BOT, OverwriteType.Member, 0n, 'ViewChannel'),
					]),
				],
			}),
		);
		expect(botMay(guilds, GENERAL)!.has('ViewChannel')).toBe(false);
		expect(botMay(guilds, CLUB)!.has('ViewChannel')).toBe(true);
		// The bot's own overwrite comes last, over its role's.
		expect(botMay(guilds, STAFF)!.has('ViewChannel')).toBe(false);
	});

	test('Given the bot is given a role, then it may do what the role allows (with the role’s overwrites); taken away, it may not any more', () => {
		const guilds = directory(
			guildCreate({
				channels: [
					text(GENERAL, 'general'),
					text(CLUB, 'her-club', [overwrite(MODS, OverwriteType.Role, 0n, 'SendMessages')]),
				],
			}),
		);
		expect(botMay(guilds, GENERAL)!.has('ManageThreads')).toBe(false);
		const memberUpdate = (roles: string[]) =>
			guilds.handle({ t: 'GUILD_MEMBER_UPDATE', d: { guild_id: GUILD, user: { id: BOT }, roles } });
		memberUpdate([BOT_ROLE, MODS]);
		expect(botMay(guilds, GENERAL)!.has('ManageThreads')).toBe(true);
		expect(botMay(guilds, CLUB)!.has('SendMessages')).toBe(false);
		memberUpdate([BOT_ROLE]);
		expect(botMay(guilds, GENERAL)!.has('ManageThreads')).toBe(false);
		expect(botMay(guilds, CLUB)!.has('SendMessages')).toBe(true);
	});

	test('Given another member’s roles change, then the bot’s permissions stay as they were', () => {
		const guilds = directory();
		guilds.handle({ t: 'GUILD_MEMBER_UPDATE', d: { guild_id: GUILD, user: { id: OTHER_MEMBER }, roles: [MODS] } });
		expect(botMay(guilds, GENERAL)!.has('ManageThreads')).toBe(false);
	});

	test('Given an admin edits the bot’s role or deletes it, then the bot’s permissions follow', () => {
		const guilds = directory();
		guilds.handle({
			t: 'GUILD_ROLE_UPDATE',
			d: { guild_id: GUILD, role: role(BOT_ROLE, ['ViewChannel', 'AttachFiles']) },
		});
		expect(botMay(guilds, GENERAL)!.has('AttachFiles')).toBe(true);
		expect(botMay(guilds, GENERAL)!.has('SendMessages')).toBe(false);
		guilds.handle({ t: 'GUILD_ROLE_DELETE', d: { guild_id: GUILD, role_id: BOT_ROLE } });
		expect(botMay(guilds, GENERAL)!.toArray()).toEqual(['ViewChannel', 'ReadMessageHistory']);
	});

	test('Given the bot owns the server or has Administrator, then it may do everything, whatever the overwrites say', () => {
		const denied = [text(GENERAL, 'general', [overwrite(BOT, OverwriteType.Member, 0n, 'SendMessages')])];
		const owner = directory(guildCreate({ ownerId: BOT, channels: denied }));
		expect(botMay(owner, GENERAL)!.bitfield).toBe(PermissionsBitField.All);
		const admin = directory(guildCreate({ channels: denied }));
		admin.handle({ t: 'GUILD_ROLE_CREATE', d: { guild_id: GUILD, role: role(MODS, 'Administrator') } });
		admin.handle({ t: 'GUILD_MEMBER_UPDATE', d: { guild_id: GUILD, user: { id: BOT }, roles: [BOT_ROLE, MODS] } });
		expect(botMay(admin, GENERAL)!.bitfield).toBe(PermissionsBitField.All);
	});

	test('Given a thread, then the bot may do there what it may in the thread’s channel, also after the channel changes', () => {
		const guilds = directory(guildCreate({ threads: [thread(THREAD, GENERAL)] }));
		expect(botMay(guilds, THREAD)!.has('SendMessages')).toBe(true);
		guilds.handle({
			t: 'CHANNEL_UPDATE',
			d: text(GENERAL, 'general', [overwrite(BOT_ROLE, OverwriteType.Role, 0n, 'ReadMessageHistory')]),
		});
		expect(botMay(guilds, THREAD)!.has('ReadMessageHistory')).toBe(false);
		expect(guilds.channel(GUILD, THREAD)).toMatchObject({ type: ChannelType.PublicThread, parentId: GENERAL });
	});

	test.each([
		['no overwrites', []],
		[
			'@everyone denied, the bot’s role allowed',
			[overwrite(GUILD, 0, 0n, 'ViewChannel'), overwrite(BOT_ROLE, 0, 'ViewChannel', 0n)],
		],
		[
			'its role denied, a role it has allowed',
			[overwrite(BOT_ROLE, 0, 0n, ['SendMessages', 'EmbedLinks']), overwrite(MODS, 0, 'EmbedLinks', 0n)],
		],
		[
			'its own overwrite over all',
			[overwrite(MODS, 0, 'AttachFiles', 0n), overwrite(BOT, 1, 0n, ['AttachFiles', 'ReadMessageHistory'])],
		],
		['another member’s overwrite', [overwrite(OTHER_MEMBER, 1, 0n, 'ViewChannel')]],
	])('Given %s, then the bot’s permissions are what discord.js computes from its full caches', (_, overwrites) => {
		const guild = guildCreate({ botRoles: [BOT_ROLE, MODS], channels: [text(GENERAL, 'general', overwrites)] });
		const expected = discordJsPermissions(guild, GENERAL);
		expect(botMay(directory(guild), GENERAL)!.bitfield).toBe(expected);
	});
});

describe('GuildDirectory: what it knows of channels, roles and guilds', () => {
	test('Given a deleted channel, then it and its threads are forgotten; a deleted category leaves its channels', () => {
		const guilds = directory(
			guildCreate({
				channels: [text(CATEGORY, 'Text', [], null), text(GENERAL, 'general', [], CATEGORY), text(CLUB, 'her-club')],
				threads: [thread(THREAD, CLUB)],
			}),
		);
		guilds.handle({ t: 'CHANNEL_DELETE', d: text(CLUB, 'her-club') });
		expect(guilds.channel(GUILD, CLUB)).toBeUndefined();
		expect(guilds.channel(GUILD, THREAD)).toBeUndefined();
		guilds.handle({ t: 'CHANNEL_DELETE', d: text(CATEGORY, 'Text') });
		expect(guilds.channel(GUILD, GENERAL)).toMatchObject({ name: 'general' });
	});

	test('Given a thread archived or deleted, then it is forgotten; a list sync leaves exactly the threads it lists in the channels it names', () => {
		const other = '300000000000000007';
		const guilds = directory(guildCreate({ threads: [thread(THREAD, GENERAL), thread(other, CLUB)] }));
		guilds.handle({ t: 'THREAD_UPDATE', d: thread(THREAD, GENERAL, true) });
		expect(guilds.channel(GUILD, THREAD)).toBeUndefined();
		guilds.handle({ t: 'THREAD_CREATE', d: thread(THREAD, GENERAL) });
		expect(guilds.channel(GUILD, THREAD)).toBeDefined();
		guilds.handle({ t: 'THREAD_DELETE', d: { id: THREAD, guild_id: GUILD, parent_id: GENERAL, type: 11 } });
		expect(guilds.channel(GUILD, THREAD)).toBeUndefined();

		guilds.handle({
			t: 'THREAD_LIST_SYNC',
			d: { guild_id: GUILD, channel_ids: [GENERAL], threads: [thread(THREAD, GENERAL)] },
		});
		expect(guilds.channel(GUILD, THREAD)).toBeDefined();
		expect(guilds.channel(GUILD, other)).toBeDefined();
		guilds.handle({ t: 'THREAD_LIST_SYNC', d: { guild_id: GUILD, threads: [] } });
		expect(guilds.channel(GUILD, THREAD)).toBeUndefined();
		expect(guilds.channel(GUILD, other)).toBeUndefined();
		expect(guilds.channel(GUILD, GENERAL)).toBeDefined();
	});

	test('Given the bot leaves a server, then everything about it is forgotten', () => {
		const guilds = directory();
		guilds.handle({ t: 'GUILD_DELETE', d: { id: GUILD } });
		expect(guilds.channel(GUILD, GENERAL)).toBeUndefined();
		expect(guilds.role(GUILD, MEMBERS)).toBeUndefined();
	});

	test('Given events about a server or channel it doesn’t know, then they are ignored', () => {
		const guilds = directory();
		const elsewhere = '200000000000000009';
		for (const [t, d] of [
			['CHANNEL_CREATE', { ...text('300000000000000009', 'elsewhere'), guild_id: elsewhere }],
			['CHANNEL_DELETE', text('300000000000000009', 'elsewhere')],
			['GUILD_ROLE_CREATE', { guild_id: elsewhere, role: role(MODS, 'Administrator') }],
			['GUILD_MEMBER_UPDATE', { guild_id: elsewhere, user: { id: BOT }, roles: [] }],
			['THREAD_LIST_SYNC', { guild_id: elsewhere, threads: [] }],
			['CHANNEL_CREATE', { id: '300000000000000010', type: ChannelType.DM, recipients: [] }],
			['PRESENCE_UPDATE', { user: { id: OTHER_MEMBER }, guild_id: GUILD }],
			['GUILD_CREATE', { id: elsewhere, unavailable: true }],
		] as const) {
			expect(() => guilds.handle({ t, d })).not.toThrow();
		}
		expect(guilds.channel(elsewhere, '300000000000000009')).toBeUndefined();
		expect(guilds.role(elsewhere, MODS)).toBeUndefined();
		expect(guilds.channel(GUILD, '300000000000000009')).toBeUndefined();
		expect(botMay(guilds, GENERAL)!.has('SendMessages')).toBe(true);
		expect(guilds.channel(GUILD, 'not-a-snowflake')).toBeUndefined();
	});

	test('Given roles, then it knows which exist and which anyone may mention, and the name of the bot’s own role', () => {
		const guilds = directory();
		expect(guilds.role(GUILD, MEMBERS)).toEqual({ id: MEMBERS, mentionable: true });
		expect(guilds.role(GUILD, MODS)).toEqual({ id: MODS, mentionable: false });
		expect(guilds.botRoleName(GUILD)).toBe('Her Film Club');
		guilds.handle({ t: 'GUILD_ROLE_DELETE', d: { guild_id: GUILD, role_id: MEMBERS } });
		expect(guilds.role(GUILD, MEMBERS)).toBeUndefined();
	});

	test('Given a forum, then its tags are known, and kept up to date', () => {
		const forum = (tags: { id: string; name: string }[]) => ({
			...text(FORUM, 'reflections'),
			type: ChannelType.GuildForum,
			available_tags: tags.map((tag) => ({ ...tag, moderated: false, emoji_id: null, emoji_name: null })),
		});
		const guilds = directory(guildCreate({ channels: [forum([{ id: '600000000000000001', name: 'Weekly' }])] }));
		expect(guilds.channel(GUILD, FORUM)?.tags).toEqual([{ id: '600000000000000001', name: 'Weekly' }]);
		guilds.handle({ t: 'CHANNEL_UPDATE', d: forum([]) });
		expect(guilds.channel(GUILD, FORUM)?.tags).toBeUndefined();
	});
});

describe('discord.js after the directory has read a GUILD_CREATE', () => {
	test('Given the packet without its channels and roles, then discord.js still has the guild and the bot’s member', () => {
		const packet = { t: 'GUILD_CREATE', d: guildCreate() };
		directory(packet.d);
		dropUncachedParts(packet);
		expect(packet.d).not.toHaveProperty('channels');
		expect(packet.d).not.toHaveProperty('roles');
		const client = clientWithBot();
		const guild = (client.guilds as unknown as { _add(data: unknown): { id: string } })._add(packet.d);
		expect(client.guilds.cache.get(GUILD)).toBe(guild);
		expect(client.guilds.cache.get(GUILD)!.members.me?.id).toBe(BOT);
		void client.destroy();
	});
});

function clientWithBot(): Client {
	const client = new Client({ intents: [GatewayIntentBits.Guilds] });
	const user = Reflect.construct(ClientUser, [client, { id: BOT, username: 'Her Film Club', bot: true }]) as ClientUser;
	(client as unknown as { user: ClientUser }).user = user;
	return client;
}

/** The reference: discord.js's own `permissionsFor` with its default (full) caches. */
function discordJsPermissions(guildPayload: ReturnType<typeof guildCreate>, channelId: string): bigint {
	const client = clientWithBot();
	(client.guilds as unknown as { _add(data: unknown): unknown })._add(guildPayload);
	const channel = client.channels.cache.get(channelId) as GuildBasedChannel;
	const permissions = channel.permissionsFor(BOT)!.bitfield;
	void client.destroy();
	return permissions;
}
