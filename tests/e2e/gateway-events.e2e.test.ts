/**
 * Lighter must not mean fragile: every gateway event discord.js has a handler for, with a plausible payload,
 * sent to the bot as `npm start` runs it. A Guilds-only bot gets few of them from Discord, but Discord may
 * send more (the bot's own member updated, a member chunk, a thread member update) and a Discord-compatible
 * server may send any. None may crash the process, and afterwards the bot still answers and still sees a
 * channel overwrite that denies it.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { operationsText } from '../../src/i18n/operations.js';
import type { Json } from '../fake-discord/index.js';
import {
	ROOT,
	expectClean,
	isEphemeral,
	spawnBot,
	startClub,
	tempDatabase,
	use,
	type Club,
	type SpawnedBot,
} from './harness.js';

/** The events discord.js handles, read from discord.js itself, so a new one in an upgrade needs a payload here. */
const HANDLED = Object.keys(
	createRequire(import.meta.url)(
		join(ROOT, 'node_modules/discord.js/src/client/websocket/handlers/index.js'),
	) as Record<string, unknown>,
);

/** Only sent in answer to IDENTIFY; every start (and the faults tests' reconnects) exercises it. */
const SESSION_ONLY = new Set(['READY']);

let club: Club;
let bot: SpawnedBot;
/** Each event twice: about what the bot has cached, and about a server, channel and member it never saw. */
let rounds: Record<string, Json>[];

beforeAll(async () => {
	club = await startClub();
	bot = spawnBot(club, { databasePath: tempDatabase() });
	await bot.ready;
	const known = cachedIds();
	const next = () => club.fake.world.ids.next();
	const unknown = { ...known, guildId: next(), channelId: next(), member: { id: next(), username: 'stranger' } };
	rounds = [payloads(known), payloads(unknown)];
}, 60_000);

afterAll(async () => {
	await bot?.kill('SIGKILL');
	await club?.fake.close();
});

/** Ids in the `ko` server: a guild, channel, role and member the bot has cached. */
function cachedIds(): Ids {
	const guild = club.fake.world.guilds.get(club.guilds.ko.id)!;
	const [botRoleId] = club.fake.world.memberRoleIds(guild, club.fake.bot.id);
	return { guildId: guild.id, channelId: club.guilds.ko.general, member: club.users.ko, botRoleId: botRoleId! };
}

interface Ids {
	guildId: string;
	channelId: string;
	member: { id: string; username: string };
	botRoleId: string;
}

function payloads({ guildId, channelId, member, botRoleId }: Ids): Record<string, Json> {
	const botUser = club.fake.bot;
	const next = () => club.fake.world.ids.next();
	const now = new Date().toISOString();
	const user = (u: { id: string; username: string }, bot = false): Json => ({
		id: u.id,
		username: u.username,
		discriminator: '0',
		global_name: null,
		avatar: null,
		...(bot ? { bot: true } : {}),
	});
	const memberOf = (u: { id: string; username: string }, roles: string[] = [], bot = false): Json => ({
		user: user(u, bot),
		nick: null,
		avatar: null,
		roles,
		joined_at: now,
		deaf: false,
		mute: false,
		flags: 0,
		pending: false,
	});
	const threadId = next();
	const thread = {
		id: threadId,
		type: 11,
		guild_id: guildId,
		parent_id: channelId,
		owner_id: member.id,
		name: 'a thread someone opened',
		last_message_id: null,
		message_count: 1,
		member_count: 1,
		rate_limit_per_user: 0,
		flags: 0,
		thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: now, locked: false },
	};
	const extraChannel = {
		id: next(),
		type: 0,
		guild_id: guildId,
		name: 'new-channel',
		position: 9,
		parent_id: null,
		permission_overwrites: [],
		nsfw: false,
		topic: null,
	};
	const extraRole = {
		id: next(),
		name: 'new role',
		color: 0,
		hoist: false,
		position: 3,
		permissions: '0',
		managed: false,
		mentionable: false,
		flags: 0,
	};
	const emoji = { id: next(), name: 'samantha', roles: [], require_colons: true, managed: false, animated: false };
	const sticker = { id: next(), name: 'os1', tags: 'os', type: 2, format_type: 1, guild_id: guildId, available: true };
	const rule = {
		id: next(),
		guild_id: guildId,
		name: 'no spam',
		creator_id: member.id,
		event_type: 1,
		trigger_type: 3,
		trigger_metadata: {},
		actions: [{ type: 1, metadata: {} }],
		enabled: true,
		exempt_roles: [],
		exempt_channels: [],
	};
	const event = {
		id: next(),
		guild_id: guildId,
		channel_id: null,
		creator_id: member.id,
		name: 'Her, together',
		scheduled_start_time: new Date(Date.now() + 3_600_000).toISOString(),
		scheduled_end_time: new Date(Date.now() + 7_200_000).toISOString(),
		privacy_level: 2,
		status: 1,
		entity_type: 3,
		entity_id: null,
		entity_metadata: { location: 'the living room' },
		user_count: 1,
	};
	const message = {
		id: next(),
		channel_id: channelId,
		guild_id: guildId,
		author: user(member),
		member: { roles: [], joined_at: now, deaf: false, mute: false },
		content: 'I loved the rooftop scene',
		timestamp: now,
		edited_timestamp: null,
		tts: false,
		mention_everyone: false,
		mentions: [],
		mention_roles: [],
		attachments: [],
		embeds: [],
		pinned: false,
		type: 0,
	};
	const stage = {
		id: next(),
		guild_id: guildId,
		channel_id: next(),
		topic: 'Her',
		privacy_level: 2,
		discoverable_disabled: false,
	};
	const sound = {
		sound_id: next(),
		name: 'piano',
		volume: 1,
		emoji_id: null,
		emoji_name: '🎹',
		guild_id: guildId,
		available: true,
	};
	const entitlement = {
		id: next(),
		sku_id: next(),
		application_id: club.fake.applicationId,
		user_id: member.id,
		guild_id: guildId,
		type: 8,
		deleted: false,
		starts_at: null,
		ends_at: null,
	};
	const subscription = {
		id: next(),
		user_id: member.id,
		sku_ids: [next()],
		entitlement_ids: [entitlement.id],
		current_period_start: now,
		current_period_end: now,
		status: 0,
		canceled_at: null,
	};
	const reaction = {
		user_id: member.id,
		channel_id: channelId,
		message_id: message.id,
		guild_id: guildId,
		member: memberOf(member),
		emoji: { id: null, name: '❤️' },
		burst: false,
		type: 0,
	};
	return {
		APPLICATION_COMMAND_PERMISSIONS_UPDATE: {
			id: next(),
			application_id: club.fake.applicationId,
			guild_id: guildId,
			permissions: [{ id: guildId, type: 1, permission: true }],
		},
		AUTO_MODERATION_ACTION_EXECUTION: {
			guild_id: guildId,
			action: { type: 1, metadata: {} },
			rule_id: rule.id,
			rule_trigger_type: 3,
			user_id: member.id,
			channel_id: channelId,
			message_id: message.id,
			content: 'spam',
			matched_keyword: null,
			matched_content: null,
		},
		AUTO_MODERATION_RULE_CREATE: rule,
		AUTO_MODERATION_RULE_UPDATE: { ...rule, name: 'no spam, please' },
		AUTO_MODERATION_RULE_DELETE: rule,
		CHANNEL_CREATE: extraChannel,
		CHANNEL_UPDATE: { ...extraChannel, name: 'renamed-channel' },
		CHANNEL_DELETE: extraChannel,
		CHANNEL_PINS_UPDATE: { guild_id: guildId, channel_id: channelId, last_pin_timestamp: now },
		ENTITLEMENT_CREATE: entitlement,
		ENTITLEMENT_UPDATE: { ...entitlement, ends_at: now },
		ENTITLEMENT_DELETE: entitlement,
		GUILD_AUDIT_LOG_ENTRY_CREATE: {
			id: next(),
			guild_id: guildId,
			user_id: member.id,
			target_id: channelId,
			action_type: 11,
			changes: [{ key: 'name', old_value: 'general', new_value: 'general' }],
		},
		GUILD_BAN_ADD: { guild_id: guildId, user: user({ id: next(), username: 'spammer' }) },
		GUILD_BAN_REMOVE: { guild_id: guildId, user: user({ id: next(), username: 'spammer' }) },
		// A guild the bot is not in yet joins and leaves again; the club's servers stay.
		GUILD_CREATE: club.fake.guildPayload(club.fake.addGuild({ name: 'joined for a moment' })),
		GUILD_DELETE: { id: next(), unavailable: true },
		GUILD_EMOJIS_UPDATE: { guild_id: guildId, emojis: [emoji] },
		GUILD_INTEGRATIONS_UPDATE: { guild_id: guildId },
		GUILD_MEMBERS_CHUNK: {
			guild_id: guildId,
			members: [memberOf(member), memberOf(botUser, [botRoleId], true)],
			chunk_index: 0,
			chunk_count: 1,
			presences: [{ user: { id: member.id }, status: 'online', activities: [], client_status: { desktop: 'online' } }],
			nonce: 'chunk',
		},
		GUILD_MEMBER_ADD: { ...memberOf({ id: next(), username: 'newcomer' }), guild_id: guildId },
		// The bot's own member, with the roles it has: Discord sends this when a nickname or role changes.
		GUILD_MEMBER_UPDATE: { ...memberOf(botUser, [botRoleId], true), guild_id: guildId, nick: 'Samantha' },
		GUILD_MEMBER_REMOVE: { guild_id: guildId, user: user({ id: next(), username: 'leaver' }) },
		GUILD_ROLE_CREATE: { guild_id: guildId, role: extraRole },
		GUILD_ROLE_UPDATE: { guild_id: guildId, role: { ...extraRole, name: 'renamed role' } },
		GUILD_ROLE_DELETE: { guild_id: guildId, role_id: extraRole.id },
		GUILD_SCHEDULED_EVENT_CREATE: event,
		GUILD_SCHEDULED_EVENT_UPDATE: { ...event, status: 2 },
		GUILD_SCHEDULED_EVENT_USER_ADD: { guild_scheduled_event_id: event.id, user_id: member.id, guild_id: guildId },
		GUILD_SCHEDULED_EVENT_USER_REMOVE: { guild_scheduled_event_id: event.id, user_id: member.id, guild_id: guildId },
		GUILD_SCHEDULED_EVENT_DELETE: event,
		GUILD_SOUNDBOARD_SOUND_CREATE: sound,
		GUILD_SOUNDBOARD_SOUND_UPDATE: { ...sound, volume: 0.5 },
		GUILD_SOUNDBOARD_SOUNDS_UPDATE: { guild_id: guildId, soundboard_sounds: [sound] },
		GUILD_SOUNDBOARD_SOUND_DELETE: { sound_id: sound.sound_id, guild_id: guildId },
		GUILD_STICKERS_UPDATE: { guild_id: guildId, stickers: [sticker] },
		GUILD_UPDATE: {
			...club.fake.guildPayload(club.fake.world.guilds.get(club.guilds.ko.id)!),
			id: guildId,
			description: 'We watch Her',
		},
		// An interaction of a type the bot has no handler for (an application command of an unknown type).
		INTERACTION_CREATE: {
			id: next(),
			application_id: club.fake.applicationId,
			type: 99,
			token: 'unknown-interaction-type',
			version: 1,
			guild_id: guildId,
			channel_id: channelId,
			member: { ...memberOf(member), permissions: '0' },
			locale: 'ko',
			app_permissions: '0',
			entitlements: [],
			authorizing_integration_owners: {},
		},
		INVITE_CREATE: {
			channel_id: channelId,
			guild_id: guildId,
			code: 'herclub',
			created_at: now,
			inviter: user(member),
			max_age: 86_400,
			max_uses: 0,
			temporary: false,
			uses: 0,
		},
		INVITE_DELETE: { channel_id: channelId, guild_id: guildId, code: 'herclub' },
		MESSAGE_CREATE: message,
		MESSAGE_UPDATE: { ...message, content: 'I loved the rooftop scene (edited)', edited_timestamp: now },
		MESSAGE_DELETE: { id: message.id, channel_id: channelId, guild_id: guildId },
		MESSAGE_DELETE_BULK: { ids: [next(), next()], channel_id: channelId, guild_id: guildId },
		MESSAGE_POLL_VOTE_ADD: {
			user_id: member.id,
			channel_id: channelId,
			message_id: message.id,
			guild_id: guildId,
			answer_id: 1,
		},
		MESSAGE_POLL_VOTE_REMOVE: {
			user_id: member.id,
			channel_id: channelId,
			message_id: message.id,
			guild_id: guildId,
			answer_id: 1,
		},
		MESSAGE_REACTION_ADD: reaction,
		MESSAGE_REACTION_REMOVE: { ...reaction, member: undefined },
		MESSAGE_REACTION_REMOVE_EMOJI: {
			channel_id: channelId,
			guild_id: guildId,
			message_id: message.id,
			emoji: reaction.emoji,
		},
		MESSAGE_REACTION_REMOVE_ALL: { channel_id: channelId, guild_id: guildId, message_id: message.id },
		// What crashed the bot against an independent Discord-compatible server: a presence with a full user.
		PRESENCE_UPDATE: {
			user: user(member),
			guild_id: guildId,
			status: 'online',
			activities: [{ name: 'Her', type: 3, created_at: Date.now() }],
			client_status: { desktop: 'online' },
		},
		RATE_LIMITED: { opcode: 8, retry_after: 1.5, meta: { guild_id: guildId, nonce: 'chunk' } },
		RESUMED: {},
		SOUNDBOARD_SOUNDS: { guild_id: guildId, soundboard_sounds: [sound] },
		STAGE_INSTANCE_CREATE: stage,
		STAGE_INSTANCE_UPDATE: { ...stage, topic: 'Her, the score' },
		STAGE_INSTANCE_DELETE: stage,
		SUBSCRIPTION_CREATE: subscription,
		SUBSCRIPTION_UPDATE: { ...subscription, status: 1 },
		SUBSCRIPTION_DELETE: { ...subscription, status: 2, canceled_at: now },
		THREAD_CREATE: { ...thread, newly_created: true },
		THREAD_UPDATE: { ...thread, name: 'a renamed thread' },
		THREAD_LIST_SYNC: { guild_id: guildId, channel_ids: [channelId], threads: [thread], members: [] },
		THREAD_MEMBER_UPDATE: { id: threadId, user_id: botUser.id, join_timestamp: now, flags: 0, guild_id: guildId },
		THREAD_MEMBERS_UPDATE: {
			id: threadId,
			guild_id: guildId,
			member_count: 2,
			added_members: [{ id: threadId, user_id: member.id, join_timestamp: now, flags: 0, member: memberOf(member) }],
			removed_member_ids: [botUser.id],
		},
		THREAD_DELETE: { id: threadId, guild_id: guildId, parent_id: channelId, type: 11 },
		TYPING_START: {
			channel_id: channelId,
			guild_id: guildId,
			user_id: member.id,
			timestamp: 0,
			member: memberOf(member),
		},
		USER_UPDATE: { ...user(botUser, true), global_name: 'Her Film Club' },
		VOICE_CHANNEL_EFFECT_SEND: { channel_id: next(), guild_id: guildId, user_id: member.id, emoji: { name: '🎹' } },
		VOICE_SERVER_UPDATE: { token: 'voice', guild_id: guildId, endpoint: 'voice.invalid:443' },
		VOICE_STATE_UPDATE: {
			guild_id: guildId,
			channel_id: null,
			user_id: member.id,
			member: memberOf(member),
			session_id: 'voice-session',
			deaf: false,
			mute: false,
			self_deaf: false,
			self_mute: false,
			self_video: false,
			suppress: false,
			request_to_speak_timestamp: null,
		},
		WEBHOOKS_UPDATE: { guild_id: guildId, channel_id: channelId },
	};
}

/** `pending`, unless the bot dies first: then its stderr says what crashed it. */
function whileAlive<T>(pending: Promise<T>): Promise<T> {
	const crashed = bot.exited.then((result) => {
		throw new Error(`the bot exited (${result.code ?? result.signal}): ${result.stderr}`);
	});
	return Promise.race([pending, crashed]);
}

describe('every gateway event discord.js handles', () => {
	test('Given a payload for each, then the test covers every handler of this discord.js', () => {
		const covered = new Set([...Object.keys(rounds[0]!), ...SESSION_ONLY]);
		expect(HANDLED.filter((event) => !covered.has(event))).toEqual([]);
	});

	test('Given each one sent to the running bot, then it stays up, answers, and still sees the overwrite that denies it', async () => {
		const session = club.fake.gateway.currentSession()!;
		for (const events of rounds) {
			for (const [event, payload] of Object.entries(events)) club.fake.gateway.dispatchTo(session, event, payload);
		}
		// One interaction after all of them: the bot reads the gateway in order, so it has handled every event.
		const quote = await whileAlive(
			use(club, {
				kind: 'command',
				name: 'her-quote',
				guildId: club.guilds.ko.id,
				channelId: club.guilds.ko.general,
				user: club.users.ko,
			}),
		);
		expect(quote.response.type).toBe(4);
		expect((await club.fake.reply(quote.id)).embeds).toHaveLength(1);

		const check = await use(club, {
			kind: 'command',
			name: 'her-settings',
			subcommand: 'check',
			options: { channel: club.guilds.ko.channels.locked! },
			guildId: club.guilds.ko.id,
			channelId: club.guilds.ko.general,
			user: club.users.koAdmin,
		});
		const message = await club.fake.reply(check.id);
		expect(isEphemeral(message)).toBe(true);
		const text = String((message.embeds as Json[])[0]!.description);
		expect(text).toContain(operationsText.ko.toFix(3));
		expect(text).toContain('❌ 메시지 보내기 — ');

		expect(bot.child.exitCode, bot.child.exitCode === null ? '' : (await bot.exited).stderr).toBeNull();
		expect(bot.logs().filter((record) => record.level >= 50)).toEqual([]);
		expectClean(club);
	});
});
