/**
 * A discord.js client that never connects: its REST calls are answered in memory and recorded, and
 * interactions are the real discord.js classes built from payloads shaped as Discord sends them. So a
 * handler test runs the real reply/defer/edit code and asserts on the exact JSON a user would get.
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
	type APIMessage,
	type PermissionResolvable,
} from 'discord.js';
import type { Command } from '../../src/command.js';
import { BOT_PERMISSIONS } from '../../src/permissions.js';

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

export interface RecordedRequest {
	readonly method: string;
	readonly route: string;
	readonly body: any;
	readonly query: URLSearchParams | undefined;
}

let sequence = 0n;
function snowflake(): string {
	sequence += 1n;
	return ((BigInt(Date.now() - 1_420_070_400_000) << 22n) + sequence).toString();
}

/** By default the bot has everything its invite URL asks for. */
const ALL_BOT_PERMISSIONS = BOT_PERMISSIONS;

export interface GuildOptions {
	readonly preferredLocale?: string;
	/** Permissions the bot's role has guild-wide (default: everything it asks for in its invite). */
	readonly botPermissions?: PermissionResolvable;
}

export interface InteractionOptions {
	readonly locale?: string;
	readonly userId?: string;
	/** What the member may do (default: nothing special). */
	readonly memberPermissions?: PermissionResolvable;
	/** What the bot may do in the channel (default: everything it asks for). */
	readonly appPermissions?: PermissionResolvable;
	readonly channelId?: string;
}

export class TestDiscord {
	public readonly client: Client<true>;
	public readonly requests: RecordedRequest[] = [];
	private readonly messages = new Map<string, APIMessage>();

	public constructor(options: GuildOptions = {}) {
		const client = new Client({ intents: [GatewayIntentBits.Guilds], allowedMentions: { parse: [] } });
		const writable = client as unknown as { user: ClientUser; application: ClientApplication };
		writable.user = Reflect.construct(ClientUser, [
			client,
			{ id: BOT_ID, username: 'Her Film Club', discriminator: '0', bot: true, avatar: null, global_name: null },
		]) as ClientUser;
		writable.application = Reflect.construct(ClientApplication, [
			client,
			{ id: APP_ID, name: 'Her Film Club' },
		]) as ClientApplication;
		client.users.cache.set(BOT_ID, writable.user);
		client.rest.request = async (request) => this.answer(request);
		this.client = client as Client<true>;
		this.addGuild(options);
	}

	public get guild() {
		return this.client.guilds.cache.get(GUILD_ID)!;
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
			id: snowflake(),
			name: command.data.name,
			type: ApplicationCommandType.ChatInput,
			options: sub ? [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options: leaf }] : leaf,
			resolved: this.resolved(values),
		};
		return this.basePayload(InteractionType.ApplicationCommand, data, options);
	}

	public button(customId: string, options: InteractionOptions & { message?: Partial<APIMessage> } = {}) {
		const message = this.message(options.message);
		const data = { custom_id: customId, component_type: ComponentType.Button };
		const payload = { ...this.basePayload(InteractionType.MessageComponent, data, options), message };
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
		return Reflect.construct(ModalSubmitInteraction, [this.client, payload]) as ModalSubmitInteraction<'cached'>;
	}

	/** Adds the server's "Film Club" role, mentionable by anyone or not. */
	public addRole(options: { mentionable: boolean }) {
		(this.guild.roles as unknown as { _add(data: unknown): unknown })._add({
			id: CLUB_ROLE_ID,
			name: 'Film Club',
			permissions: '0',
			position: 2,
			color: 0,
			hoist: false,
			managed: false,
			mentionable: options.mentionable,
			flags: 0,
		});
	}

	/** Replaces the bot's permissions in a channel, as an admin editing its overwrites would. */
	public denyInChannel(channelId: string, ...permissions: bigint[]) {
		const channel = this.guild.channels.cache.get(channelId)!;
		(channel as any).permissionOverwrites.cache.set(BOT_ROLE_ID, {
			id: BOT_ROLE_ID,
			type: 0,
			allow: new PermissionsBitField(0n),
			deny: new PermissionsBitField(permissions),
		});
	}

	private basePayload(type: InteractionType, data: unknown, options: InteractionOptions) {
		const userId = options.userId ?? USER_ID;
		const channelId = options.channelId ?? CHANNEL_ID;
		const payload = {
			id: snowflake(),
			application_id: APP_ID,
			type,
			data,
			guild_id: GUILD_ID,
			channel: {
				id: channelId,
				type: this.client.channels.cache.get(channelId)?.type ?? ChannelType.GuildText,
				guild_id: GUILD_ID,
				name: 'general',
			},
			channel_id: channelId,
			member: {
				user: {
					id: userId,
					username: `member${userId.slice(-3)}`,
					discriminator: '0',
					avatar: null,
					global_name: null,
				},
				roles: [],
				permissions: new PermissionsBitField(options.memberPermissions ?? 0n).bitfield.toString(),
				joined_at: new Date(0).toISOString(),
				deaf: false,
				mute: false,
				flags: 0,
			},
			token: `token-${snowflake()}`,
			version: 1,
			locale: options.locale ?? 'en-US',
			guild_locale: this.guild.preferredLocale,
			app_permissions: new PermissionsBitField(options.appPermissions ?? ALL_BOT_PERMISSIONS).bitfield.toString(),
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
			const channel = this.guild.channels.cache.get(value);
			if (channel) channels[value] = { id: value, type: channel.type, name: channel.name, permissions: '0' };
			const role = this.guild.roles.cache.get(value);
			if (role) roles[value] = { id: value, name: role.name, permissions: role.permissions.bitfield.toString() };
		}
		return { channels, roles };
	}

	private message(partial: Partial<APIMessage> = {}): APIMessage {
		return {
			id: snowflake(),
			channel_id: CHANNEL_ID,
			author: { id: BOT_ID, username: 'Her Film Club', discriminator: '0', avatar: null, global_name: null, bot: true },
			content: '',
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			tts: false,
			mention_everyone: false,
			mentions: [],
			mention_roles: [],
			attachments: [],
			embeds: [],
			pinned: false,
			type: 0,
			components: [],
			...partial,
		};
	}

	private addGuild(options: GuildOptions) {
		const everyone = {
			id: GUILD_ID,
			name: '@everyone',
			permissions: '0',
			position: 0,
			color: 0,
			hoist: false,
			managed: false,
			mentionable: false,
			flags: 0,
		};
		const botRole = {
			...everyone,
			id: BOT_ROLE_ID,
			name: 'Her Film Club',
			position: 1,
			managed: true,
			permissions: new PermissionsBitField(options.botPermissions ?? ALL_BOT_PERMISSIONS).bitfield.toString(),
		};
		const channel = (id: string, name: string) => ({
			id,
			name,
			type: ChannelType.GuildText,
			guild_id: GUILD_ID,
			position: 0,
			permission_overwrites: [],
		});
		(this.client.guilds as unknown as { _add(data: unknown): unknown })._add({
			id: GUILD_ID,
			name: 'Film Club',
			icon: null,
			owner_id: USER_ID,
			preferred_locale: options.preferredLocale ?? 'en-US',
			roles: [everyone, botRole],
			channels: [channel(CHANNEL_ID, 'general'), channel(OTHER_CHANNEL_ID, 'her-club')],
			threads: [
				{
					id: THREAD_ID,
					name: 'Her watch party',
					type: ChannelType.PublicThread,
					guild_id: GUILD_ID,
					parent_id: CHANNEL_ID,
					owner_id: BOT_ID,
					thread_metadata: {
						archived: false,
						auto_archive_duration: 1440,
						locked: false,
						archive_timestamp: new Date(0).toISOString(),
					},
				},
			],
			members: [
				{
					user: {
						id: BOT_ID,
						username: 'Her Film Club',
						discriminator: '0',
						avatar: null,
						bot: true,
						global_name: null,
					},
					roles: [BOT_ROLE_ID],
					joined_at: new Date(0).toISOString(),
					deaf: false,
					mute: false,
					flags: 0,
				},
			],
			features: [],
			emojis: [],
			stickers: [],
			member_count: 2,
		});
	}

	/** In-memory answers to the routes the bot uses, shaped as Discord answers them. */
	private async answer(request: { method: string; fullRoute: string; body?: unknown; query?: URLSearchParams }) {
		const { method } = request;
		const route = decodeURIComponent(request.fullRoute);
		// What goes over the wire: JSON, so undefined fields vanish exactly as they would.
		const body = request.body === undefined ? undefined : JSON.parse(JSON.stringify(request.body));
		this.requests.push({ method, route, body, query: request.query });
		const message = (channelId: string, data: any = body) => {
			const created = this.message({
				channel_id: channelId,
				...data,
				embeds: data?.embeds ?? [],
				components: data?.components ?? [],
			});
			this.messages.set(created.id, created);
			return created;
		};
		let match: RegExpMatchArray | null;
		if ((match = route.match(/^\/interactions\/(\d+)\/[^/]+\/callback$/))) {
			const withResponse = request.query?.get('with_response') === 'true';
			if (!withResponse) return undefined;
			const created = message(CHANNEL_ID, body.data ?? {});
			return { interaction: { id: match[1], type: 2 }, resource: { type: body.type, message: created } };
		}
		if (/^\/webhooks\/\d+\/[^/]+\/messages\/@original$/.test(route)) return message(CHANNEL_ID, body ?? {});
		if (/^\/webhooks\/\d+\/[^/]+$/.test(route)) return message(CHANNEL_ID);
		if ((match = route.match(/^\/channels\/(\d+)\/messages$/)) && method === 'POST') return message(match[1]!);
		if ((match = route.match(/^\/channels\/(\d+)\/messages\/(\d+)$/)))
			return message(match[1]!, { ...body, id: match[2] });
		if (
			(match = route.match(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/)) ||
			(match = route.match(/^\/channels\/(\d+)\/threads$/))
		) {
			return {
				id: match[2] ?? snowflake(),
				type: ChannelType.PublicThread,
				guild_id: GUILD_ID,
				parent_id: match[1],
				name: body.name,
				owner_id: BOT_ID,
				thread_metadata: {
					archived: false,
					auto_archive_duration: body.auto_archive_duration ?? 1440,
					locked: false,
					archive_timestamp: new Date().toISOString(),
				},
			};
		}
		if ((match = route.match(/^\/guilds\/(\d+)\/scheduled-events$/)))
			return { id: snowflake(), guild_id: match[1], ...body, status: 1 };
		throw new Error(`TestDiscord: no fake answer for ${method} ${route}`);
	}
}
