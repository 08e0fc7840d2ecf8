/**
 * A discord.js client that never connects, answered by the fake Discord's REST core in this process: the same
 * route table, message store, history paging, nonce de-duplication, permission checks, Discord's limits and
 * faults as the end-to-end suite gets over HTTP (tests/fake-discord/). Interactions are the real discord.js
 * classes built from payloads shaped as Discord sends them. So a handler test runs the real reply/defer/edit
 * code, through discord.js's own REST stack with the bot's REST settings (timeout, retries; src/client.ts), and
 * asserts on the exact JSON a user would get.
 *
 * Faults: `discord.fake.failNext(...)`, `delay(...)`, `denyReadHistory(...)` (see tests/fake-discord/server.ts).
 * Violations of Discord's limits are in `discord.fake.violations`.
 */
import {
	ApplicationCommandOptionType,
	ApplicationCommandType,
	AutocompleteInteraction,
	ButtonInteraction,
	ChannelType,
	ChatInputCommandInteraction,
	Client,
	ClientApplication,
	ClientUser,
	ComponentType,
	GatewayIntentBits,
	InteractionType,
	ModalSubmitInteraction,
	PermissionsBitField,
	type APIApplicationCommandOption,
	type APIChatInputApplicationCommandInteraction,
	type ClientOptions,
	type PermissionResolvable,
	type TextChannel,
} from 'discord.js';
import { expect, onTestFinished } from 'vitest';
import type { Command } from '../../src/command.js';
import { BOT_PERMISSIONS } from '../../src/permissions.js';
import { FakeDiscord } from '../fake-discord/index.js';
import type {
	FakeDiscordOptions,
	InteractionState,
	Json,
	RecordedRequest as FakeRequest,
} from '../fake-discord/index.js';
import {
	ALL_PERMISSIONS,
	channelPayload,
	guildCreatePayload,
	rolePayload,
	userPayload,
} from '../fake-discord/world.js';
import { channelObject } from '../../src/channels.js';
import { createClient } from '../../src/client.js';
import { GuildDirectory } from '../../src/guilds.js';
import { DEFAULT_START, testConfig } from './context.js';

export const APP_ID = '100000000000000001';
export const BOT_ID = '100000000000000001';
export const GUILD_ID = '200000000000000001';
export const CHANNEL_ID = '300000000000000001';
export const OTHER_CHANNEL_ID = '300000000000000002';
/** A public thread in #general, e.g. a watch party's. */
export const THREAD_ID = '300000000000000003';
export const USER_ID = '400000000000000001';
export const BOT_ROLE_ID = '500000000000000001';
/** A member role the server could ask the daily reflection to mention. */
export const CLUB_ROLE_ID = '500000000000000009';

/** What the bot sent, as the fake got it: `route` is the path (`/channels/300…/messages`), `body` the JSON. */
export interface RecordedRequest {
	readonly method: string;
	readonly route: string;
	readonly body: any;
	readonly query: URLSearchParams | undefined;
	/** Discord's answer: its status (0: the connection dropped before it got the request) */
	readonly status?: number;
}

/** How the bot's own client times out and retries a request, and what it caches (src/client.ts), read once. */
let production: { rest: { retries: number; timeout: number }; makeCache: ClientOptions['makeCache'] } | undefined;
function productionSettings() {
	if (!production) {
		const client = createClient(testConfig);
		const { retries, timeout } = client.rest.options;
		production = { rest: { retries, timeout }, makeCache: client.options.makeCache };
		void client.destroy();
	}
	return production;
}

/** REST never leaves this process (makeRequest answers it); the URL is on loopback all the same. */
const API = 'http://127.0.0.1:9/api';
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.test.token-for-handler-tests';

export interface GuildOptions {
	readonly preferredLocale?: string;
	/** Permissions the bot's role has guild-wide (default: everything it asks for in its invite). */
	readonly botPermissions?: PermissionResolvable;
	/**
	 * Discord's clock, usually the test context's `now`: message ids, the nonce window and token expiry follow
	 * it. Default: frozen at the test context's default start.
	 */
	readonly now?: () => Date;
	/**
	 * The Discord this client talks to; its clock reads the `now` of whichever client is making a request.
	 * Default: the one Discord of the running test. Every TestDiscord a test creates (a bot process, then its
	 * restart) talks to the same Discord, as real processes would; the next test gets a new one.
	 */
	readonly fake?: FakeDiscord;
	/** The directory the bot's context reads (`ctx.guilds`), which this client's gateway events keep. */
	readonly guilds?: GuildDirectory;
}

let discordOfThisTest: FakeDiscord | undefined;
const checked = new WeakSet<FakeDiscord>();

/** The running test's Discord (made on first use, forgotten when the test ends); a fresh one outside a test. */
function sharedCore(options: Pick<GuildOptions, 'preferredLocale' | 'botPermissions'>): FakeDiscord {
	if (discordOfThisTest) {
		const guild = discordOfThisTest.world.guilds.get(GUILD_ID)!;
		if (options.preferredLocale !== undefined) guild.preferredLocale = options.preferredLocale;
		return discordOfThisTest;
	}
	const fake = testDiscordCore(options);
	if (whenTestEnds(() => (discordOfThisTest = undefined))) discordOfThisTest = fake;
	return fake;
}

/** Whatever a handler test checks, the bot broke none of Discord's rules and used no route Discord lacks. */
function expectCleanAtTestEnd(fake: FakeDiscord): void {
	if (checked.has(fake)) return;
	checked.add(fake);
	whenTestEnds(() => {
		expect(fake.violations.map((violation) => violation.message)).toEqual([]);
		expect(fake.unexpected.map((request) => `${request.method} ${request.path}`)).toEqual([]);
	});
}

/** Runs `then` when the running test ends; false outside a test (e.g. in a describe block). */
function whenTestEnds(then: () => void): boolean {
	try {
		onTestFinished(then);
		return true;
	} catch {
		return false;
	}
}

export interface InteractionOptions {
	readonly locale?: string;
	readonly userId?: string;
	/** What the member may do (default: nothing special). */
	readonly memberPermissions?: PermissionResolvable;
	/**
	 * What the bot may do in the channel (default: what its role gives it there). Set on Discord's side too, as
	 * an overwrite for the bot in that channel, so Discord refuses what the bot may not do.
	 */
	readonly appPermissions?: PermissionResolvable;
	readonly channelId?: string;
}

/**
 * The fake Discord's core with the handler tests' server: #general, #her-club, a bot-owned public thread in
 * #general, the bot's role, @everyone with no permissions, the member USER_ID owning the server.
 */
export function testDiscordCore(
	options: Pick<GuildOptions, 'preferredLocale' | 'botPermissions'> & Pick<FakeDiscordOptions, 'nonceWindowMs'> = {},
): FakeDiscord {
	// As in the end-to-end harness, FAKE_NONCE_WINDOW_MS runs the tests against a shorter or longer nonce window.
	const window = process.env.FAKE_NONCE_WINDOW_MS;
	const fake = new FakeDiscord({ botId: BOT_ID, ...(window ? { nonceWindowMs: Number(window) } : {}), ...options });
	fake.clock.set(Date.parse(DEFAULT_START));
	const world = fake.world;
	world.user({ id: USER_ID, username: `member${USER_ID.slice(-3)}` });
	world.addGuild({
		id: GUILD_ID,
		name: 'Film Club',
		ownerId: USER_ID,
		preferredLocale: options.preferredLocale ?? 'en-US',
		everyonePermissions: 0n,
		botRoleId: BOT_ROLE_ID,
		botPermissions: new PermissionsBitField(options.botPermissions ?? BOT_PERMISSIONS).bitfield,
		channels: [
			{ id: CHANNEL_ID, name: 'general' },
			{ id: OTHER_CHANNEL_ID, name: 'her-club' },
		],
	});
	addThread(fake, THREAD_ID, 'Her watch party');
	return fake;
}

/** A public thread in #general the bot opened. */
function addThread(fake: FakeDiscord, id: string, name: string) {
	const thread = fake.world.addChannel(GUILD_ID, { id, name, type: ChannelType.PublicThread, parentId: CHANNEL_ID });
	Object.assign(thread, {
		ownerId: BOT_ID,
		archived: false,
		locked: false,
		autoArchiveDuration: 1440,
		createdAt: new Date(0).toISOString(),
		messageCount: 0,
	});
}

export class TestDiscord {
	public readonly client: Client<true>;
	/** Every request this client sent (other clients sharing the fake have their own). */
	public readonly requests: RecordedRequest[] = [];
	/** The Discord behind this client: its world, messages, nonces, violations and fault injection. */
	public readonly fake: FakeDiscord;
	/** What the bot knows of the server's channels and roles, fed the same gateway events as the client. */
	public readonly guilds: GuildDirectory;
	private readonly now: (() => Date) | undefined;

	public constructor(options: GuildOptions = {}) {
		this.fake = options.fake ?? sharedCore(options);
		this.guilds = options.guilds ?? new GuildDirectory();
		expectCleanAtTestEnd(this.fake);
		this.now = options.now;
		if (this.now) this.fake.clock.follow(this.now);
		const answer = this.fake.makeRequest((record) => this.record(record));
		const { rest, makeCache } = productionSettings();
		const client = new Client({
			intents: [GatewayIntentBits.Guilds],
			allowedMentions: { parse: [] },
			// The bot's own caches: no channels or roles in discord.js, so a handler that read them would fail here.
			...(makeCache ? { makeCache } : {}),
			rest: {
				...rest,
				api: API,
				makeRequest: (url, init) => {
					// Discord's clock is the clock of the process talking to it (see GuildOptions.fake).
					if (this.now) this.fake.clock.follow(this.now);
					return answer(url, init);
				},
			},
		});
		client.rest.setToken(TOKEN);
		const writable = client as unknown as { user: ClientUser; application: ClientApplication };
		writable.user = Reflect.construct(ClientUser, [client, userPayload(this.fake.bot)]) as ClientUser;
		writable.application = Reflect.construct(ClientApplication, [
			client,
			{ id: APP_ID, name: 'Her Film Club' },
		]) as ClientApplication;
		client.users.cache.set(BOT_ID, writable.user);
		const guild = guildCreatePayload(this.fake.world, this.world());
		this.guilds.handle({ t: 'READY', d: { user: userPayload(this.fake.bot) } });
		this.guilds.handle({ t: 'GUILD_CREATE', d: guild });
		(client.guilds as unknown as { _add(data: unknown): unknown })._add(guild);
		this.client = client as Client<true>;
		this.fake.onDispatch((event, data) => this.onGatewayEvent(event, data));
	}

	/** What the gateway would tell this client when Discord's side changes (a channel edited, deleted...). */
	private onGatewayEvent(event: string, data: Json) {
		this.guilds.handle({ t: event, d: data });
		const actions = (this.client as unknown as { actions: Record<string, { handle(data: Json): unknown }> }).actions;
		const action = {
			CHANNEL_CREATE: 'ChannelCreate',
			CHANNEL_UPDATE: 'ChannelUpdate',
			CHANNEL_DELETE: 'ChannelDelete',
			THREAD_CREATE: 'ThreadCreate',
			THREAD_UPDATE: 'ChannelUpdate',
			THREAD_DELETE: 'ThreadDelete',
			GUILD_DELETE: 'GuildDelete',
		}[event];
		if (action) actions[action]!.handle(data);
	}

	public get guild() {
		return this.client.guilds.cache.get(GUILD_ID)!;
	}

	/** A text channel of the server as the bot builds it to post in (src/channels.ts). */
	public textChannel(channelId: string): TextChannel {
		const known = this.guilds.channel(GUILD_ID, channelId);
		const channel = known && channelObject(this.client, known);
		if (channel?.type !== ChannelType.GuildText) throw new Error(`TestDiscord: no text channel ${channelId}`);
		return channel;
	}

	/** Requests whose route matches, e.g. `/channels/` or `/callback`. */
	public sent(match: string | RegExp, method?: string): RecordedRequest[] {
		return this.requests.filter(
			(request) =>
				(method === undefined || request.method === method) &&
				(typeof match === 'string' ? request.route.includes(match) : match.test(request.route)),
		);
	}

	/** The body of every interaction callback, follow-up and edit, in order: what the caller saw. */
	public responses(): any[] {
		return this.requests
			.filter((request) => /\/interactions\/|\/webhooks\//.test(request.route) && request.method !== 'GET')
			.map((request) => request.body);
	}

	public chatInput(command: Command, input: Record<string, unknown> = {}, options: InteractionOptions = {}) {
		const payload = this.commandPayload(command, input, options);
		this.register(payload);
		return Reflect.construct(ChatInputCommandInteraction, [
			this.client,
			payload,
		]) as ChatInputCommandInteraction<'cached'>;
	}

	/** An autocomplete interaction with `focused` being typed; `input` holds what is typed so far. */
	public autocomplete(
		command: Command,
		input: Record<string, unknown>,
		focused: string,
		options: InteractionOptions = {},
	) {
		const payload = this.commandPayload(command, input, options);
		const markFocused = (list: any[]) => {
			for (const option of list) {
				if (option.name === focused && option.value !== undefined) option.focused = true;
				if (option.options) markFocused(option.options);
			}
		};
		markFocused(payload.data.options);
		payload.type = InteractionType.ApplicationCommandAutocomplete;
		this.register(payload);
		return Reflect.construct(AutocompleteInteraction, [this.client, payload]) as AutocompleteInteraction<'cached'>;
	}

	private commandPayload(command: Command, input: Record<string, unknown>, options: InteractionOptions): any {
		const { subcommand, ...values } = input as { subcommand?: string } & Record<string, unknown>;
		const definitions = command.data.options ?? [];
		const sub = subcommand ? definitions.find((option) => option.name === subcommand) : undefined;
		if (subcommand && !sub) throw new Error(`no subcommand ${subcommand} on /${command.data.name}`);
		const leafDefinitions = (sub && 'options' in sub ? sub.options : sub ? [] : definitions) ?? [];
		const leaf = this.optionValues(leafDefinitions, values);
		const data = {
			id: this.fake.world.ids.next(),
			name: command.data.name,
			type: ApplicationCommandType.ChatInput,
			options: sub ? [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options: leaf }] : leaf,
			resolved: this.resolved(values),
		};
		return this.basePayload(InteractionType.ApplicationCommand, data, options);
	}

	/**
	 * A member presses a button: on the newest message in the channel that carries it (as the member would),
	 * else on a bot message made for it.
	 */
	public button(customId: string, options: InteractionOptions = {}) {
		const channelId = options.channelId ?? CHANNEL_ID;
		const message = this.messageWithButton(channelId, customId);
		const data = { custom_id: customId, component_type: ComponentType.Button };
		const payload = { ...this.basePayload(InteractionType.MessageComponent, data, options), message };
		this.register(payload, message.id as string);
		return Reflect.construct(ButtonInteraction, [this.client, payload]) as ButtonInteraction<'cached'>;
	}

	public modal(customId: string, fields: Record<string, string>, options: InteractionOptions = {}) {
		const data = {
			custom_id: customId,
			components: Object.entries(fields).map(([id, value]) => ({
				type: ComponentType.ActionRow,
				components: [{ type: ComponentType.TextInput, custom_id: id, value }],
			})),
		};
		const payload = this.basePayload(InteractionType.ModalSubmit, data, options);
		this.register(payload);
		return Reflect.construct(ModalSubmitInteraction, [this.client, payload]) as ModalSubmitInteraction<'cached'>;
	}

	/** Adds the server's "Film Club" role, mentionable by anyone or not. */
	public addRole(options: { mentionable: boolean }) {
		const role = {
			id: CLUB_ROLE_ID,
			name: 'Film Club',
			permissions: 0n,
			position: 2,
			color: 0,
			managed: false,
			mentionable: options.mentionable,
		};
		this.world().roles.set(role.id, role);
		this.fake.dispatch('GUILD_ROLE_CREATE', { guild_id: GUILD_ID, role: rolePayload(role) }, { guildId: GUILD_ID });
	}

	/** Replaces the bot's permissions in a channel, as an admin editing its overwrites would. */
	public denyInChannel(channelId: string, ...permissions: bigint[]) {
		const deny = new PermissionsBitField(permissions).bitfield;
		this.setOverwrite(channelId, { id: BOT_ROLE_ID, type: 0, allow: 0n, deny });
	}

	private setOverwrite(channelId: string, overwrite: { id: string; type: 0 | 1; allow: bigint; deny: bigint }) {
		const channel = this.fake.world.channel(channelId);
		if (!channel) throw new Error(`TestDiscord: no channel ${channelId}`);
		channel.overwrites = [
			...channel.overwrites.filter((o) => !(o.id === overwrite.id && o.type === overwrite.type)),
			overwrite,
		];
		this.fake.dispatch('CHANNEL_UPDATE', channelPayload(channel, this.fake.world), { guildId: GUILD_ID });
	}

	private world() {
		return this.fake.world.guilds.get(GUILD_ID)!;
	}

	/** What this client sent, as Discord recorded it. */
	private record(record: FakeRequest) {
		this.requests.push({
			method: record.method,
			route: record.path,
			body: record.body,
			query: new URLSearchParams(record.query),
			status: record.status,
		});
	}

	/** Registers an interaction with Discord, so its callback, @original and follow-ups are answered. */
	private register(payload: any, sourceMessageId?: string) {
		const state: InteractionState = {
			id: payload.id,
			token: payload.token,
			type: payload.type,
			guildId: GUILD_ID,
			channelId: payload.channel_id,
			userId: payload.member.user.id,
			payload,
			dispatchedAt: this.fake.clock.now(),
			followups: [],
			...(sourceMessageId !== undefined ? { sourceMessageId } : {}),
		};
		this.fake.registerInteraction(state);
	}

	private basePayload(type: InteractionType, data: unknown, options: InteractionOptions) {
		const userId = options.userId ?? USER_ID;
		const channelId = options.channelId ?? CHANNEL_ID;
		const world = this.fake.world;
		// An interaction comes from a channel Discord has: one the test names but the server lacks is taken to be
		// a public thread in #general (as a test of "inside a thread" means), so Discord answers posts there.
		if (!world.channel(channelId)) addThread(this.fake, channelId, 'a thread');
		const user =
			world.users.get(userId) ??
			world.user({ id: userId, username: `member${userId.slice(-3)}`, locale: options.locale ?? 'en-US' });
		if (options.appPermissions !== undefined) {
			const allow = new PermissionsBitField(options.appPermissions).bitfield;
			this.setOverwrite(channelId, { id: BOT_ID, type: 1, allow, deny: ALL_PERMISSIONS & ~allow });
		}
		const id = world.ids.next();
		const payload = {
			id,
			application_id: APP_ID,
			type,
			data,
			guild_id: GUILD_ID,
			channel: {
				id: channelId,
				type: world.channel(channelId)?.type ?? ChannelType.GuildText,
				guild_id: GUILD_ID,
				name: world.channel(channelId)?.name ?? 'general',
			},
			channel_id: channelId,
			member: {
				user: userPayload(user),
				roles: [],
				permissions: new PermissionsBitField(options.memberPermissions ?? 0n).bitfield.toString(),
				joined_at: new Date(0).toISOString(),
				deaf: false,
				mute: false,
				flags: 0,
			},
			token: `token-${id}`,
			version: 1,
			locale: options.locale ?? 'en-US',
			guild_locale: this.guild.preferredLocale,
			app_permissions: world.botPermissions(channelId).toString(),
			entitlements: [],
			authorizing_integration_owners: { 0: GUILD_ID },
			context: 0,
			attachment_size_limit: 8_388_608,
		};
		return payload as unknown as APIChatInputApplicationCommandInteraction;
	}

	private optionValues(definitions: readonly APIApplicationCommandOption[], values: Record<string, unknown>) {
		return Object.entries(values).map(([name, value]) => {
			const definition = definitions.find((option) => option.name === name);
			if (!definition) throw new Error(`no option ${name}`);
			return { name, type: definition.type, value };
		});
	}

	private resolved(values: Record<string, unknown>) {
		const channels: Record<string, unknown> = {};
		const roles: Record<string, unknown> = {};
		for (const value of Object.values(values)) {
			if (typeof value !== 'string') continue;
			const channel = this.fake.world.channel(value);
			if (channel) channels[value] = { id: value, type: channel.type, name: channel.name, permissions: '0' };
			const role = this.world().roles.get(value);
			if (role) roles[value] = rolePayload(role);
		}
		return { channels, roles };
	}

	private messageWithButton(channelId: string, customId: string): Json {
		const carries = (message: Json) => JSON.stringify(message.components ?? []).includes(JSON.stringify(customId));
		const found = this.fake
			.messages(channelId)
			.filter((message) => ((message.flags as number) & 64) === 0)
			.findLast(carries);
		return found ?? this.fake.botSays(channelId, { components: [] });
	}
}
