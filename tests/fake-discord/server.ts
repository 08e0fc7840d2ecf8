/**
 * FakeDiscord: REST under /api/v10 and a gateway WebSocket on 127.0.0.1, a world model, request
 * recording, Discord's limits, injected faults and bounded waits for tests.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { Gateway } from './gateway.js';
import type { GatewayOpRecord } from './gateway.js';
import { readBody, notFound } from './http.js';
import type { Reply } from './http.js';
import { buildCommandOptions, modalComponents, partialChannel } from './interactions.js';
import type { InteractInit, InteractionState } from './interactions.js';
import { buildRoutes } from './rest.js';
import type { Route } from './rest.js';
import type { FieldError } from './limits.js';
import {
	Clock,
	World,
	channelPayload,
	guildCreatePayload,
	isThread,
	memberPayload,
	snowflakeTime,
	toBits,
	userPayload,
} from './world.js';
import type { ChannelInit, Guild, GuildInit, Json, Message, PermissionsInput, User } from './world.js';

export interface RecordedRequest {
	method: string;
	/** route template, e.g. `/channels/:channel/messages`; `?` when unknown */
	route: string;
	/** path after /api/v10 */
	path: string;
	query: Record<string, string>;
	body: unknown;
	files: { name: string; filename: string; size: number }[];
	/** when the fake got it, in real time (for waits such as Retry-After) */
	time: number;
	/** 0 when the connection dropped before Discord got it */
	status: number;
	response?: unknown;
	/** an injected network fault: the caller saw a socket error */
	dropped?: 'before' | 'after';
}

export interface Violation {
	kind: 'limits' | 'interaction' | 'gateway' | 'auth' | 'request';
	message: string;
	method?: string;
	path?: string;
	errors?: FieldError[];
	time: number;
}

/** Which requests a fault or a delay applies to. */
export interface RequestMatch {
	method?: string;
	/** route template (`/channels/:channel/messages`), exact path, or a RegExp over the path */
	path: string | RegExp;
	/** how many matching requests it applies to (default 1; Infinity: until `clearFaults`) */
	count?: number;
	/** let the first `after` matching requests through first, untouched */
	after?: number;
}

/**
 * What Discord (or the network) does to a matching request instead of answering it:
 * - `{ status, code?, message? }`: Discord refuses it with that error (e.g. 403 / 50013 Missing Permissions,
 *   404 / 10003 Unknown Channel, 500); nothing is done. 429s carry Retry-After (`retryAfter`, seconds).
 * - `{ network: 'before' }`: the connection drops before Discord got the request; nothing is done and the caller
 *   sees a socket error.
 * - `{ network: 'after' }`: Discord does the request (a message is stored, a nonce remembered) and the connection
 *   drops before the answer; the caller sees the same socket error and cannot tell the two apart.
 * - `seen: 'timeout'` with either: the caller's request times out instead (in process: at once, as an AbortError;
 *   over HTTP: no answer comes, and discord.js gives up after its `rest.timeout`).
 * discord.js retries 5xx, timeouts (and ECONNRESET) itself, up to `rest.retries` times: fail `retries + 1`
 * requests for the bot to see one. A socket error it does not retry.
 */
export type Fault = RequestMatch &
	(
		| {
				status: number;
				/** Discord's JSON error code (default 0) */
				code?: number;
				message?: string;
				/** seconds (429 only; default 0.25) */
				retryAfter?: number;
				global?: boolean;
				scope?: 'user' | 'shared' | 'global';
		  }
		| { network: 'before' | 'after'; seen?: 'socket-error' | 'timeout' }
	);

/** Hold matching requests for `ms` (real time) or until `until` settles, then answer them as usual. */
export type Delay = RequestMatch & ({ ms: number } | { until: Promise<unknown> });

/** A request as the REST core sees it, over HTTP or in process (`makeRequest`). */
export interface CoreRequest {
	method: string;
	/** path after /api/v10, decoded */
	path: string;
	query: Record<string, string>;
	/** the Authorization header */
	authorization?: string;
	body: unknown;
	files: { name: string; filename: string; size: number }[];
}

/** The answer to a CoreRequest; `dropped` means the caller gets `seen` (a socket error or a timeout) instead. */
export interface CoreAnswer {
	status: number;
	body?: unknown;
	headers: Record<string, string>;
	dropped?: 'before' | 'after';
	seen?: 'socket-error' | 'timeout';
	record: RecordedRequest;
}

export interface FakeDiscordOptions {
	/** gateway heartbeat interval (default 41250 like Discord) */
	heartbeatIntervalMs?: number;
	/** if set, only this token is accepted (REST and gateway) */
	token?: string;
	/** how long an interaction may go unanswered (default 3000) */
	interactionDeadlineMs?: number;
	botName?: string;
	/**
	 * How long enforce_nonce remembers a nonce, on the fake's clock. Discord says "a few minutes" and names no
	 * number, so the bot must not rely on any exact length (default 5 min; tests try shorter and longer ones).
	 */
	nonceWindowMs?: number;
	/** the bot's user and application id (default: a snowflake from the fake's clock) */
	botId?: string;
	/** guilds per GUILD_CREATE batch before awaiting the socket write (default 100) */
	guildBatch?: number;
}

export interface WaitOptions {
	timeoutMs?: number;
}

const API_PREFIX = '/api/v10';
/**
 * How long a wait for something the bot does may take by default: generous, for a loaded 2-core machine running
 * the suite in parallel (a wait returns as soon as its condition holds; only a failing test waits this long).
 */
export const WAIT_MS = 10_000;
/** How long an interaction token may be used for callbacks, edits and follow-ups. */
export const INTERACTION_TOKEN_MS = 15 * 60_000;

export class FakeDiscord {
	readonly clock = new Clock();
	readonly world: World;
	readonly gateway: Gateway;
	readonly requests: RecordedRequest[] = [];
	readonly violations: Violation[] = [];
	/** requests to routes the fake does not know */
	readonly unexpected: RecordedRequest[] = [];
	/** messages whose embeds were dropped because the bot lacks EMBED_LINKS */
	readonly strippedEmbeds: { channelId: string; messageId: string }[] = [];
	readonly interactions = new Map<string, InteractionState>();
	readonly interactionsByToken = new Map<string, InteractionState>();
	/** application commands by scope: 'global' or a guild id */
	readonly commands = new Map<string, Json[]>();
	/** 429s the fake answered (injected or from the global limiter) */
	rateLimited = 0;
	readonly nonces = new Map<string, { messageId: string; at: number }>();
	/** requests a `delay` is holding right now (not yet answered nor recorded) */
	readonly held = new Set<RecordedRequest>();
	readonly options: Required<Omit<FakeDiscordOptions, 'token' | 'botId'>> & { token?: string };

	private readonly events = new EventEmitter();
	private readonly faults: (Fault & { remaining: number })[] = [];
	private readonly delays: (Delay & { remaining: number })[] = [];
	/** `window`: when the current second of the global limit began (real time) */
	private globalLimit: { perSecond: number; window: number; used: number } | null = null;
	/** When each request the global limit applies to arrived (real time), in order. */
	private readonly globalArrivals: number[] = [];
	private readonly routes: Route[];
	private server!: Server;
	private wss!: WebSocketServer;
	private port = 0;
	private defaultUser: User | undefined;
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(options: FakeDiscordOptions = {}) {
		this.options = {
			heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
			interactionDeadlineMs: options.interactionDeadlineMs ?? 3_000,
			botName: options.botName ?? 'Her Film Club',
			nonceWindowMs: options.nonceWindowMs ?? 5 * 60_000,
			guildBatch: options.guildBatch ?? 100,
			...(options.token !== undefined ? { token: options.token } : {}),
		};
		this.events.setMaxListeners(0);
		this.world = new World(this.clock, this.options.botName, options.botId);
		this.gateway = new Gateway(
			this.world,
			{
				heartbeatIntervalMs: this.options.heartbeatIntervalMs,
				url: () => this.wsUrl,
				batch: this.options.guildBatch,
				...(this.options.token !== undefined ? { token: this.options.token } : {}),
			},
			(rec) => this.onGateway(rec),
		);
		this.routes = buildRoutes(this);
	}

	/** http://127.0.0.1:PORT */
	get base(): string {
		return `http://127.0.0.1:${this.port}`;
	}
	/** what to give discord.js as `rest.api` */
	get api(): string {
		return `${this.base}/api`;
	}
	get wsUrl(): string {
		return `ws://127.0.0.1:${this.port}`;
	}
	get bot(): User {
		return this.world.bot;
	}
	get applicationId(): string {
		return this.world.applicationId;
	}

	async listen(): Promise<this> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.server.keepAliveTimeout = 1_000;
		this.wss = new WebSocketServer({ server: this.server, perMessageDeflate: false });
		this.wss.on('connection', (ws, req) => this.gateway.handleConnection(ws, req));
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, '127.0.0.1', () => resolve());
		});
		this.port = (this.server.address() as AddressInfo).port;
		return this;
	}

	async close(): Promise<void> {
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		this.gateway.shutdown();
		await new Promise<void>((resolve) => this.wss.close(() => resolve()));
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	// ---- world ------------------------------------------------------------------------------------

	/** Add a guild (default: @everyone, a bot role, #general). Call before the bot connects, or it arrives as GUILD_CREATE. */
	addGuild(init: GuildInit = {}): Guild {
		const g = this.world.addGuild(init);
		if (this.gateway.sessions.size > 0) this.gateway.dispatch('GUILD_CREATE', this.guildPayload(g), { guildId: g.id });
		return g;
	}

	/** Many guilds from a template (for the benchmark). */
	addGuilds(count: number, make: (i: number) => GuildInit): Guild[] {
		const out: Guild[] = [];
		for (let i = 0; i < count; i++) out.push(this.world.addGuild(make(i)));
		return out;
	}

	/** Add a channel to a guild; dispatched as CHANNEL_CREATE when the bot is connected. */
	addChannel(guildId: string, init: ChannelInit): string {
		const ch = this.world.addChannel(guildId, init);
		this.dispatch('CHANNEL_CREATE', channelPayload(ch, this.world), { guildId });
		return ch.id;
	}

	/** Add a forum channel with these tags (their ids are new snowflakes); dispatched like addChannel. */
	addForum(
		guildId: string,
		name: string,
		tagNames: readonly string[] = [],
	): { id: string; tags: { id: string; name: string }[] } {
		const ch = this.world.addChannel(guildId, { name, type: 15 });
		ch.availableTags = tagNames.map((tag) => ({
			id: this.world.ids.next(),
			name: tag,
			moderated: false,
			emoji_id: null,
			emoji_name: null,
		}));
		this.dispatch('CHANNEL_CREATE', channelPayload(ch, this.world), { guildId });
		return { id: ch.id, tags: ch.availableTags.map(({ id, name: tag }) => ({ id, name: tag })) };
	}

	/** A member-side user; `permissions` act like an extra role in every guild. */
	user(init: { id?: string; username?: string; locale?: string; permissions?: PermissionsInput } = {}): User {
		return this.world.user(init);
	}

	/** First text channel of a guild. */
	general(guildId: string): string {
		const g = this.world.guilds.get(guildId);
		const ch = g && [...g.channels.values()].find((c) => c.type === 0);
		if (!ch) throw new Error(`fake-discord: guild ${guildId} has no text channel`);
		return ch.id;
	}

	/** The bot's computed permissions in a channel. */
	botPermissions(channelId: string): bigint {
		return this.world.botPermissions(channelId);
	}

	/** Messages stored in a channel or thread (not deleted), oldest first. */
	messages(channelId: string): Json[] {
		return [...this.world.messages.values()]
			.filter((m) => m.channelId === channelId && !m.deleted)
			.map((m) => m.payload);
	}

	/**
	 * Members chatting: `count` plain messages by `user` in a channel, stored as Discord would store them
	 * (ids from the fake clock). No MESSAGE_CREATE is dispatched: a Guilds-only bot never gets one.
	 */
	memberSays(channelId: string, user: User, count = 1): string[] {
		return Array.from({ length: count }, (_, i) => this.store(channelId, user, { content: `chatter ${i + 1}` }).id);
	}

	/** A message by the bot that it did not send in this run (e.g. before a restart); returns its payload. */
	botSays(channelId: string, fields: Json = {}): Json {
		return this.store(channelId, this.bot, fields).payload;
	}

	private store(channelId: string, user: User, fields: Json): Message {
		const ch = this.world.channel(channelId);
		if (!ch) throw new Error(`fake-discord: no channel ${channelId}`);
		const id = this.world.ids.next();
		const payload: Json = {
			id,
			type: 0,
			content: '',
			channel_id: ch.id,
			author: userPayload(user),
			attachments: [],
			embeds: [],
			mentions: [],
			mention_roles: [],
			pinned: false,
			mention_everyone: false,
			tts: false,
			timestamp: new Date(snowflakeTime(id)).toISOString(),
			edited_timestamp: null,
			flags: 0,
			components: [],
			...fields,
		};
		const message: Message = { id, channelId: ch.id, guildId: ch.guildId, authorId: user.id, payload, deleted: false };
		this.world.messages.set(id, message);
		ch.lastMessageId = id;
		// Replies in a thread or forum post count, as Discord's message_count does.
		if (isThread(ch.type)) ch.messageCount = (ch.messageCount ?? 0) + 1;
		return message;
	}

	message(id: string): Json | undefined {
		const m = this.world.messages.get(id);
		return m && !m.deleted ? m.payload : undefined;
	}

	/** Threads created in a channel (by the bot). */
	threads(parentId?: string): Json[] {
		const out: Json[] = [];
		for (const g of this.world.guilds.values()) {
			for (const c of g.channels.values()) {
				if ((c.type === 11 || c.type === 12) && (parentId === undefined || c.parentId === parentId)) {
					out.push(channelPayload(c, this.world));
				}
			}
		}
		return out;
	}

	scheduledEvents(guildId?: string): Json[] {
		return [...this.world.events.values()].filter((e) => !guildId || e.guildId === guildId).map((e) => e.payload);
	}

	guildPayload(g: Guild): Json {
		return guildCreatePayload(this.world, g);
	}

	// ---- gateway control --------------------------------------------------------------------------

	/** Send any dispatch (CHANNEL_DELETE, THREAD_DELETE, GUILD_DELETE, ...) to every session. */
	dispatch(t: string, d: unknown, opts: { sessionId?: string; guildId?: string } = {}): number {
		this.events.emit('dispatch', t, d);
		return this.gateway.dispatch(t, d, opts);
	}

	/** Every dispatch the fake makes, bot connected or not: how a client without a gateway keeps its caches. */
	onDispatch(listener: (t: string, d: Json) => void): void {
		this.events.on('dispatch', listener);
	}

	/** Remove a channel or thread and dispatch CHANNEL_DELETE / THREAD_DELETE. */
	deleteChannel(id: string): void {
		const ch = this.world.removeChannel(id);
		if (!ch) throw new Error(`fake-discord: unknown channel ${id}`);
		if (ch.type === 11 || ch.type === 12 || ch.type === 10) {
			this.dispatch(
				'THREAD_DELETE',
				{ id, guild_id: ch.guildId, parent_id: ch.parentId, type: ch.type },
				{ guildId: ch.guildId },
			);
		} else {
			this.dispatch('CHANNEL_DELETE', channelPayload(ch, this.world), { guildId: ch.guildId });
		}
	}

	/** Discord archives a thread (its auto-archive time passed with no activity); dispatched as THREAD_UPDATE. */
	archiveThread(id: string): void {
		const ch = this.world.channel(id);
		if (!ch || (ch.type !== 10 && ch.type !== 11 && ch.type !== 12)) throw new Error(`fake-discord: no thread ${id}`);
		ch.archived = true;
		this.dispatch('THREAD_UPDATE', channelPayload(ch, this.world), { guildId: ch.guildId });
	}

	/** Kick the bot from a guild (GUILD_DELETE without `unavailable`), or an outage with `unavailable: true`. */
	deleteGuild(id: string, opts: { unavailable?: boolean } = {}): void {
		if (!opts.unavailable) this.world.removeGuild(id);
		this.dispatch('GUILD_DELETE', opts.unavailable ? { id, unavailable: true } : { id }, { guildId: id });
	}

	/** Change the bot's overwrite in a channel and dispatch CHANNEL_UPDATE. */
	setBotOverwrite(channelId: string, allow: PermissionsInput, deny: PermissionsInput): void {
		const ch = this.world.channel(channelId);
		if (!ch) throw new Error(`fake-discord: unknown channel ${channelId}`);
		ch.overwrites = ch.overwrites.filter((o) => !(o.type === 1 && o.id === this.bot.id));
		ch.overwrites.push({ id: this.bot.id, type: 1, allow: toBits(allow), deny: toBits(deny) });
		this.dispatch('CHANNEL_UPDATE', channelPayload(ch, this.world), { guildId: ch.guildId });
	}

	/** Close live gateway sockets with `code`; 1006 terminates without a close frame. */
	closeGateway(code = 4000): number {
		return this.gateway.close(code);
	}

	/** op 7 RECONNECT. */
	requestReconnect(): number {
		return this.gateway.reconnect();
	}

	/** op 9 INVALID SESSION. */
	invalidateSession(resumable = false): number {
		return this.gateway.invalidateSession(resumable);
	}

	// ---- interactions -----------------------------------------------------------------------------

	/** Dispatch an INTERACTION_CREATE as Discord would; returns its id and token. */
	interact(init: InteractInit): { id: string; token: string } {
		const guild = this.world.guilds.get(init.guildId);
		if (!guild) throw new Error(`fake-discord: unknown guild ${init.guildId}`);
		const channel = this.world.channel(init.channelId);
		if (!channel) throw new Error(`fake-discord: unknown channel ${init.channelId}`);
		const user = init.user ?? (this.defaultUser ??= this.world.user({ username: 'theodore' }));
		const id = this.world.ids.next();
		const token = `fake-itoken.${id}.${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
		let type: number;
		let data: Json;
		let message: Json | undefined;
		let sourceMessageId: string | undefined;
		switch (init.kind) {
			case 'command':
			case 'autocomplete': {
				type = init.kind === 'command' ? 2 : 4;
				const def = this.findCommand(init.name, guild.id);
				const built =
					init.kind === 'command' && init.rawOptions
						? { options: init.rawOptions }
						: buildCommandOptions(this.world, guild, def, {
								...(init.subcommand !== undefined ? { subcommand: init.subcommand } : {}),
								...(init.group !== undefined ? { group: init.group } : {}),
								...(init.options !== undefined ? { options: init.options } : {}),
								...(init.kind === 'autocomplete' ? { focused: init.focused } : {}),
							});
				data = {
					id: (def?.id as string | undefined) ?? this.world.ids.next(),
					name: init.name,
					type: 1,
					...(built.options.length ? { options: built.options } : {}),
					...('resolved' in built && built.resolved ? { resolved: built.resolved } : {}),
					...(def?.guild_id ? { guild_id: def.guild_id } : {}),
				};
				break;
			}
			case 'button':
			case 'select': {
				type = 3;
				const m = this.findComponentMessage(init.channelId, init.customId, init.messageId);
				message = m?.payload;
				sourceMessageId = m?.id;
				data =
					init.kind === 'button'
						? { custom_id: init.customId, component_type: 2 }
						: { custom_id: init.customId, component_type: 3, values: init.values };
				break;
			}
			case 'modal': {
				type = 5;
				const modal = this.findModal(init.customId);
				data = { custom_id: init.customId, components: modalComponents(modal, init.fields) };
				if (init.messageId) {
					const m = this.world.messages.get(init.messageId);
					message = m?.payload;
					sourceMessageId = m?.id;
				}
				break;
			}
		}
		const member = {
			...memberPayload(this.world, guild, user),
			permissions: this.world.permissions(channel.id, user.id).toString(),
		};
		const payload: Json = {
			id,
			application_id: this.applicationId,
			type,
			data,
			guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
			guild_id: guild.id,
			channel: partialChannel(this.world, channel, user.id),
			channel_id: channel.id,
			member,
			token,
			version: 1,
			app_permissions: this.world.botPermissions(channel.id).toString(),
			locale: init.locale ?? user.locale,
			guild_locale: guild.preferredLocale,
			entitlements: [],
			authorizing_integration_owners: { '0': guild.id },
			context: 0,
			attachment_size_limit: 10 * 1024 * 1024,
			...(message ? { message } : {}),
		};
		const state: InteractionState = {
			id,
			token,
			type,
			guildId: guild.id,
			channelId: channel.id,
			userId: user.id,
			payload,
			dispatchedAt: this.clock.now(),
			followups: [],
			...(sourceMessageId !== undefined ? { sourceMessageId } : {}),
		};
		this.registerInteraction(state);
		const session = this.gateway.currentSession();
		if (!session) throw new Error('fake-discord: no gateway session to dispatch the interaction to');
		this.gateway.dispatchTo(session, 'INTERACTION_CREATE', payload);
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			if (!state.callback) {
				this.violation({
					kind: 'interaction',
					message: `interaction ${id} (${JSON.stringify(data.name ?? data.custom_id)}) not answered within ${this.options.interactionDeadlineMs}ms`,
				});
			}
		}, this.options.interactionDeadlineMs);
		timer.unref();
		this.timers.add(timer);
		return { id, token };
	}

	/**
	 * Make an interaction built elsewhere (tests/support/discord.ts builds its own payloads) known to the REST
	 * routes, so its callback, @original, follow-ups and token expiry behave as for a dispatched one.
	 */
	registerInteraction(state: InteractionState): void {
		this.interactions.set(state.id, state);
		this.interactionsByToken.set(state.token, state);
	}

	/** Whether an interaction's token has expired: Discord honours it for 15 minutes, on the fake's clock. */
	tokenExpired(state: InteractionState): boolean {
		return this.clock.now() - state.dispatchedAt >= INTERACTION_TOKEN_MS;
	}

	private findCommand(name: string, guildId: string): Json | undefined {
		return (
			this.commands.get(guildId)?.find((c) => c.name === name && (c.type ?? 1) === 1) ??
			this.commands.get('global')?.find((c) => c.name === name && (c.type ?? 1) === 1)
		);
	}

	private findComponentMessage(channelId: string, customId: string, messageId?: string): Message | undefined {
		if (messageId) return this.world.messages.get(messageId);
		const all = [...this.world.messages.values()].reverse();
		const has = (m: Message): boolean => JSON.stringify(m.payload.components ?? []).includes(JSON.stringify(customId));
		return all.find((m) => !m.deleted && m.channelId === channelId && has(m)) ?? all.find((m) => !m.deleted && has(m));
	}

	private findModal(customId: string): Json | undefined {
		const all = [...this.interactions.values()].reverse();
		return all.find((i) => i.callback?.type === 9 && i.callback.data?.custom_id === customId)?.callback?.data;
	}

	/** Interactions that never got an initial callback. */
	unanswered(): InteractionState[] {
		return [...this.interactions.values()].filter((i) => !i.callback);
	}

	/** Wait for the initial callback of an interaction; resolves to `{ type, data }`. */
	async response(interactionId: string, opts: WaitOptions = {}): Promise<{ type: number; data?: Json }> {
		const cb = await this.waitUntil(() => this.interactions.get(interactionId)?.callback, {
			timeoutMs: opts.timeoutMs ?? this.options.interactionDeadlineMs + 1_000,
			what: `callback of interaction ${interactionId}`,
		});
		return { type: cb.type, ...(cb.data !== undefined ? { data: cb.data } : {}) };
	}

	/** Wait until the interaction's original message exists and is no longer "thinking"; returns it. */
	async reply(interactionId: string, opts: WaitOptions = {}): Promise<Json> {
		return this.waitUntil(
			() => {
				const s = this.interactions.get(interactionId);
				const m = s?.originalMessageId ? this.world.messages.get(s.originalMessageId) : undefined;
				if (!m || m.deleted) return undefined;
				return ((m.payload.flags as number) & 128) === 0 ? m.payload : undefined;
			},
			{ timeoutMs: opts.timeoutMs ?? WAIT_MS, what: `reply to interaction ${interactionId}` },
		);
	}

	// ---- faults -----------------------------------------------------------------------------------

	/**
	 * Fail the next `count` requests matching `method` + `path` (see `Fault`): a Discord error, or a connection
	 * dropped before or after Discord got the request. Applies over HTTP and in process alike.
	 *
	 *   fake.failNext({ method: 'POST', path: '/channels/:channel/messages', status: 403, code: 50013 });
	 *   fake.failNext({ method: 'POST', path: '/channels/:channel/messages', network: 'after' }); // stored, caller errs
	 */
	failNext(fault: Fault): void {
		this.faults.push({ ...fault, remaining: fault.count ?? 1 });
	}

	/** Hold the next `count` matching requests (see `Delay`), e.g. to have Discord answer after a deadline. */
	delay(delay: Delay): void {
		this.delays.push({ ...delay, remaining: delay.count ?? 1 });
	}

	/** The bot may no longer read a channel's history (Discord then answers history requests with no messages). */
	denyReadHistory(channelId: string): void {
		const ch = this.world.channel(channelId);
		if (!ch) throw new Error(`fake-discord: unknown channel ${channelId}`);
		const own = ch.overwrites.find((o) => o.type === 1 && o.id === this.bot.id);
		this.setBotOverwrite(channelId, own?.allow ?? 0n, (own?.deny ?? 0n) | toBits(['ReadMessageHistory']));
	}

	/** Drop every injected fault and delay not yet used up, so the next scenario starts with a working Discord. */
	clearFaults(): void {
		this.faults.length = 0;
		this.delays.length = 0;
	}

	/** A real global limiter across all bot-authenticated routes (interaction routes are exempt); null disables. */
	setGlobalRateLimit(perSecond: number | null): void {
		this.globalLimit = perSecond === null ? null : { perSecond, window: 0, used: 0 };
	}

	/**
	 * The most requests under the global limit that arrived within any one second (any 1000 ms, as they arrived:
	 * a request Discord holds counts when it came), refused ones included, limit set or not: what all the bot's
	 * processes together asked of Discord at their busiest.
	 */
	get peakRequestsPerSecond(): number {
		let peak = 0;
		let first = 0;
		this.globalArrivals.forEach((time, last) => {
			while (time - this.globalArrivals[first]! >= 1000) first++;
			peak = Math.max(peak, last - first + 1);
		});
		return peak;
	}

	// ---- recording & waits ------------------------------------------------------------------------

	violation(v: Omit<Violation, 'time'>): void {
		this.violations.push({ ...v, time: Date.now() });
		this.events.emit('change');
	}

	/** Emit a change so pending waits re-check. */
	changed(): void {
		this.events.emit('change');
	}

	/** Resolve with the first non-undefined result of `check`, re-checked on every recorded event. */
	waitUntil<T>(check: () => T | undefined | null | false, opts: WaitOptions & { what?: string } = {}): Promise<T> {
		const timeoutMs = opts.timeoutMs ?? WAIT_MS;
		return new Promise<T>((resolve, reject) => {
			const first = check();
			if (first !== undefined && first !== null && first !== false) {
				resolve(first);
				return;
			}
			const onChange = (): void => {
				const v = check();
				if (v !== undefined && v !== null && v !== false) {
					cleanup();
					resolve(v);
				}
			};
			// also poll, for conditions on the client's side (its caches) that no fake event signals
			const poll = setInterval(onChange, 10);
			const timer = setTimeout(() => {
				cleanup();
				reject(new Error(`fake-discord: timed out after ${timeoutMs}ms waiting for ${opts.what ?? 'condition'}`));
			}, timeoutMs);
			const cleanup = (): void => {
				clearTimeout(timer);
				clearInterval(poll);
				this.events.off('change', onChange);
			};
			this.events.on('change', onChange);
		});
	}

	/** First recorded request (past or future) matching `predicate`. */
	waitFor(
		predicate: (r: RecordedRequest) => boolean,
		opts: WaitOptions & { from?: number } = {},
	): Promise<RecordedRequest> {
		let i = opts.from ?? 0;
		return this.waitUntil(
			() => {
				for (; i < this.requests.length; i++) if (predicate(this.requests[i]!)) return this.requests[i];
				return undefined;
			},
			{ ...opts, what: 'a matching request' },
		);
	}

	/** First request with this method whose route template or path matches. */
	waitForRequest(
		method: string,
		path: string | RegExp,
		opts: WaitOptions & { from?: number } = {},
	): Promise<RecordedRequest> {
		return this.waitFor((r) => r.method === method.toUpperCase() && matchPath(path, r), opts);
	}

	/** First gateway op (inbound from the bot unless `dir: 'out'`) at or after index `from` of `gateway.ops`. */
	waitForOp(
		op: number,
		opts: WaitOptions & { from?: number; dir?: 'in' | 'out'; t?: string } = {},
	): Promise<GatewayOpRecord> {
		let i = opts.from ?? 0;
		const dir = opts.dir ?? 'in';
		return this.waitUntil(
			() => {
				const ops = this.gateway.ops;
				for (; i < ops.length; i++) {
					const o = ops[i]!;
					if (o.op === op && o.dir === dir && (opts.t === undefined || o.t === opts.t)) return o;
				}
				return undefined;
			},
			{ ...opts, what: `gateway op ${op}` },
		);
	}

	waitForIdentify(opts: WaitOptions & { from?: number } = {}): Promise<GatewayOpRecord> {
		return this.waitForOp(2, opts);
	}

	waitForResume(opts: WaitOptions & { from?: number } = {}): Promise<GatewayOpRecord> {
		return this.waitForOp(6, opts);
	}

	/** All stored commands of a scope ('global' or a guild id). */
	registeredCommands(scope = 'global'): Json[] {
		return this.commands.get(scope) ?? [];
	}

	private onGateway(rec: GatewayOpRecord): void {
		if (rec.dir === 'in' && rec.op === 2 && (rec.d as Json | undefined)?.compress === true) {
			this.violation({ kind: 'gateway', message: 'IDENTIFY requested compression' });
		}
		this.events.emit('change');
	}

	// ---- HTTP -------------------------------------------------------------------------------------

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', this.base);
		const parsed = await readBody(req);
		const answer = await this.serve({
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
			body: parsed.body,
			files: parsed.files,
		});
		if (answer.seen === 'timeout') return; // no answer; the client gives up and closes the connection
		if (answer.dropped) {
			req.socket.destroy();
			return;
		}
		res.writeHead(answer.status, answer.headers);
		res.end(answer.status === 204 || answer.body === undefined ? undefined : JSON.stringify(answer.body));
	}

	/**
	 * A discord.js `rest.makeRequest`: the same route table, faults and recording as over HTTP, in this process
	 * (no socket). Give it with `rest: { api: 'http://127.0.0.1:9/api', makeRequest: fake.makeRequest() }`;
	 * `onAnswer` sees each request this client made as the fake recorded it.
	 */
	makeRequest(onAnswer?: (record: RecordedRequest) => void): (url: string, init: RequestInit) => Promise<Response> {
		return async (url, init) => {
			const target = new URL(url);
			const authorization = new Headers(init.headers).get('authorization');
			const answer = await this.serve({
				method: init.method ?? 'GET',
				path: target.pathname,
				query: Object.fromEntries(target.searchParams),
				...(authorization !== null ? { authorization } : {}),
				...(await parseInitBody(init.body)),
			});
			onAnswer?.(answer.record);
			if (answer.seen === 'timeout') throw new DOMException('This operation was aborted', 'AbortError');
			if (answer.dropped) throw socketError();
			const empty = answer.status === 204 || answer.body === undefined;
			return new Response(empty ? null : JSON.stringify(answer.body), {
				status: answer.status,
				headers: answer.headers,
			});
		};
	}

	/** One request through the route table: delays, faults, auth, the global limit, the handler; recorded. */
	async serve(request: CoreRequest): Promise<CoreAnswer> {
		let pathname = request.path;
		try {
			pathname = decodeURIComponent(pathname);
		} catch {
			// keep it encoded
		}
		const method = request.method.toUpperCase();
		const rec: RecordedRequest = {
			method,
			route: '?',
			path: pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname,
			query: request.query,
			body: request.body,
			files: request.files,
			time: Date.now(),
			status: 0,
		};
		let reply: Reply = { status: 0 };
		let dropped: 'before' | 'after' | undefined;
		let seen: 'socket-error' | 'timeout' | undefined;
		let bucket = 'none';
		try {
			const found = pathname.startsWith(API_PREFIX) ? this.match(method, rec.path) : undefined;
			if (!found) {
				reply = notFound();
				this.unexpected.push(rec);
			} else {
				const { route, params } = found;
				rec.route = route.template;
				bucket = `${method}:${route.template}`;
				if (!route.noGlobalLimit) this.globalArrivals.push(rec.time);
				await this.delayed(rec);
				const fault = this.fault(rec);
				if (fault && 'network' in fault) {
					dropped = fault.network;
					seen = fault.seen ?? 'socket-error';
				}
				if (dropped !== 'before') {
					reply =
						(fault && 'status' in fault ? fault : undefined) ??
						this.authCheck(request.authorization, route) ??
						this.limiter(route) ??
						(await route.handler({ params, body: request.body, query: rec.query, files: request.files, rec }));
				}
			}
		} catch (err) {
			reply = { status: 500, body: { message: '500: Internal Server Error', code: 0 } };
			this.violation({
				kind: 'request',
				message: `fake-discord handler crashed: ${String(err)}`,
				method,
				path: rec.path,
			});
		}
		rec.status = reply.status;
		rec.response = reply.body;
		if (dropped) rec.dropped = dropped;
		this.requests.push(rec);
		this.events.emit('change');
		const headers: Record<string, string> = {
			...(reply.status === 204 || reply.body === undefined ? {} : { 'content-type': 'application/json' }),
			...(reply.status !== 429 && bucket !== 'none' ? rateHeaders(bucket) : {}),
			...reply.headers,
		};
		return { status: reply.status, body: reply.body, headers, ...(dropped ? { dropped, seen } : {}), record: rec };
	}

	private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
		for (const route of this.routes) {
			if (route.method !== method) continue;
			const m = route.regex.exec(path);
			if (m) return { route, params: m.groups ?? {} };
		}
		return undefined;
	}

	private async delayed(rec: RecordedRequest): Promise<void> {
		const d = this.delays.find((x) => x.remaining > 0 && matches(x, rec));
		if (!d) return;
		if (d.after) {
			d.after--;
			return;
		}
		d.remaining--;
		this.held.add(rec);
		this.events.emit('change');
		if ('until' in d) await d.until.catch(() => undefined);
		else await new Promise((resolve) => setTimeout(resolve, d.ms));
		this.held.delete(rec);
	}

	private fault(rec: RecordedRequest): Reply | Extract<Fault, { network: unknown }> | undefined {
		const f = this.faults.find((x) => x.remaining > 0 && matches(x, rec));
		if (!f) return undefined;
		if (f.after) {
			f.after--;
			return undefined;
		}
		f.remaining--;
		if ('network' in f) return f;
		if (f.status !== 429) {
			const message = f.message ?? (f.status >= 500 ? `${f.status}: Internal Server Error` : `${f.status}: injected`);
			return { status: f.status, body: { message, code: f.code ?? 0 } };
		}
		this.rateLimited++;
		const retryAfter = f.retryAfter ?? 0.25;
		const global = f.global ?? f.scope === 'global';
		return rateLimited(retryAfter, global, f.scope ?? (global ? 'global' : 'user'), `${rec.method}:${rec.route}`);
	}

	private authCheck(auth: string | undefined, route: Route): Reply | undefined {
		if (route.noAuth) return undefined;
		const token = auth?.startsWith('Bot ') ? auth.slice(4) : undefined;
		if (!token || (this.options.token !== undefined && token !== this.options.token)) {
			if (!token) this.violation({ kind: 'auth', message: `request without Bot authorization to ${route.template}` });
			return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
		}
		return undefined;
	}

	private limiter(route: Route): Reply | undefined {
		const g = this.globalLimit;
		if (!g || route.noGlobalLimit) return undefined;
		// A second counted from the first request in it (not from the wall clock's second), so a burst of more
		// than `perSecond` is limited wherever it falls.
		const now = Date.now();
		if (now - g.window >= 1000) {
			g.window = now;
			g.used = 0;
		}
		if (g.used >= g.perSecond) {
			this.rateLimited++;
			const retryAfter = Math.max(0.001, (g.window + 1000 - now) / 1000);
			return rateLimited(Number(retryAfter.toFixed(3)), true, 'global', 'global');
		}
		g.used++;
		return undefined;
	}
}

function matchPath(pattern: string | RegExp, r: { route: string; path: string }): boolean {
	return typeof pattern === 'string' ? pattern === r.route || pattern === r.path : pattern.test(r.path);
}

function matches(m: RequestMatch, rec: RecordedRequest): boolean {
	return (m.method === undefined || m.method.toUpperCase() === rec.method) && matchPath(m.path, rec);
}

/** What undici throws when the server closes the connection mid-request (discord.js does not retry it). */
function socketError(): Error {
	return Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' });
}

/** A discord.js request body (JSON text, or multipart FormData with payload_json and files) as the routes read it. */
async function parseInitBody(body: RequestInit['body']): Promise<Pick<CoreRequest, 'body' | 'files'>> {
	if (body === undefined || body === null) return { body: undefined, files: [] };
	if (body instanceof FormData) {
		const files: CoreRequest['files'] = [];
		let json: unknown;
		for (const [name, value] of body.entries()) {
			if (typeof value === 'string') {
				if (name === 'payload_json') json = JSON.parse(value) as unknown;
			} else files.push({ name, filename: value.name, size: value.size });
		}
		return { body: json, files };
	}
	const raw = typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8');
	if (raw.length === 0) return { body: undefined, files: [] };
	try {
		return { body: JSON.parse(raw) as unknown, files: [] };
	} catch {
		return { body: raw, files: [] };
	}
}

function bucketHash(bucket: string): string {
	let h = 0;
	for (const ch of bucket) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
	return `fake${(h >>> 0).toString(16)}`;
}

function rateHeaders(bucket: string): Record<string, string> {
	return {
		'x-ratelimit-limit': '10000',
		'x-ratelimit-remaining': '9999',
		'x-ratelimit-reset': String(Date.now() / 1000 + 60),
		'x-ratelimit-reset-after': '60',
		'x-ratelimit-bucket': bucketHash(bucket),
	};
}

function rateLimited(retryAfter: number, global: boolean, scope: string, bucket: string): Reply {
	const headers: Record<string, string> = {
		'retry-after': String(retryAfter),
		'x-ratelimit-scope': scope,
	};
	if (global) headers['x-ratelimit-global'] = 'true';
	else {
		Object.assign(headers, {
			'x-ratelimit-limit': '5',
			'x-ratelimit-remaining': '0',
			'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
			'x-ratelimit-reset-after': String(retryAfter),
			'x-ratelimit-bucket': bucketHash(bucket),
		});
	}
	return {
		status: 429,
		headers,
		body: { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(global ? { code: 0 } : {}) },
	};
}

/** Start a fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
	return new FakeDiscord(options).listen();
}
