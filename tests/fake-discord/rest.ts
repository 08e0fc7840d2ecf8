/** REST routes under /api/v10, answered as Discord would (permissions, errors, limits). */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import {
	error,
	missingAccess,
	missingPermissions,
	noContent,
	ok,
	unknownChannel,
	unknownGuild,
	unknownInteraction,
	unknownMessage,
	unknownWebhook,
	invalidWebhookToken,
} from './http.js';
import type { Reply } from './http.js';
import type { InteractionState } from './interactions.js';
import {
	checkAutocomplete,
	checkCommands,
	checkMessage,
	checkModal,
	checkScheduledEvent,
	checkThreadName,
	formBody,
} from './limits.js';
import type { FieldError } from './limits.js';
import type { FakeDiscord, RecordedRequest } from './server.js';
import { channelPayload, isThread, memberPayload, snowflakeTime, userPayload } from './world.js';
import type { Channel, Json, Message } from './world.js';

export interface RouteContext {
	params: Record<string, string>;
	body: unknown;
	query: Record<string, string>;
	files: { name: string; filename: string; size: number }[];
	rec: RecordedRequest;
}

export interface Route {
	method: string;
	template: string;
	regex: RegExp;
	handler: (ctx: RouteContext) => Reply | Promise<Reply>;
	/** interaction callbacks and webhooks are not bot-authenticated */
	noAuth?: boolean;
	/** not bound to the global rate limit */
	noGlobalLimit?: boolean;
}

const EPHEMERAL = 64;
const LOADING = 128;
const HAS_THREAD = 32;
const KEPT_FLAGS = 4 | 64 | 4096 | 32768;

function route(method: string, template: string, handler: Route['handler'], extra: Partial<Route> = {}): Route {
	const pattern = template
		.split('/')
		.map((seg) => (seg.startsWith(':') ? `(?<${seg.slice(1)}>[^/]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
		.join('/');
	return { method, template, regex: new RegExp(`^${pattern}/?$`), handler, ...extra };
}

export function buildRoutes(f: FakeDiscord): Route[] {
	const w = f.world;

	const invalid = (ctx: RouteContext, errors: FieldError[], what: string): Reply => {
		f.violation({
			kind: 'limits',
			message: `${what}: ${errors.map((e) => `${e.path.join('.')} ${e.code}`).join('; ')}`,
			method: ctx.rec.method,
			path: ctx.rec.path,
			errors,
		});
		return { status: 400, body: formBody(errors) };
	};

	const body = (ctx: RouteContext): Json => (ctx.body && typeof ctx.body === 'object' ? ctx.body : {});

	const normalizeEmbeds = (embeds: unknown): Json[] =>
		Array.isArray(embeds)
			? (embeds as Json[]).map((e) => ({
					type: 'rich',
					...e,
					...(e.fields ? { fields: (e.fields as Json[]).map((x) => ({ inline: false, ...x })) } : {}),
				}))
			: [];

	const attachments = (ctx: RouteContext): Json[] =>
		ctx.files.map((file, i) => ({
			id: w.ids.next(),
			filename: file.filename,
			size: file.size,
			url: `${f.base}/attachments/${i}/${file.filename}`,
			proxy_url: `${f.base}/attachments/${i}/${file.filename}`,
		}));

	const createMessage = (
		channel: Channel,
		b: Json,
		opts: {
			ctx: RouteContext;
			interaction?: InteractionState;
			type?: number;
			flags?: number;
			stripEmbeds?: boolean;
			/** a forum post's starter message has its thread's id */
			id?: string;
		},
	): Message => {
		const id = opts.id ?? w.ids.next();
		const interaction = opts.interaction;
		const payload: Json = {
			id,
			type: opts.type ?? (b.message_reference ? 19 : 0),
			content: typeof b.content === 'string' ? b.content : '',
			channel_id: channel.id,
			author: userPayload(w.bot),
			attachments: attachments(opts.ctx),
			embeds: opts.stripEmbeds ? [] : normalizeEmbeds(b.embeds),
			mentions: [],
			mention_roles: [],
			pinned: false,
			mention_everyone: false,
			tts: Boolean(b.tts),
			timestamp: new Date(snowflakeTime(id)).toISOString(),
			edited_timestamp: null,
			flags: (opts.flags ?? (typeof b.flags === 'number' ? b.flags : 0)) & (KEPT_FLAGS | LOADING),
			components: Array.isArray(b.components) ? b.components : [],
		};
		if (b.nonce !== undefined) payload.nonce = b.nonce;
		if (b.message_reference)
			payload.message_reference = {
				type: 0,
				channel_id: channel.id,
				guild_id: channel.guildId,
				...(b.message_reference as Json),
			};
		if (isThread(channel.type)) payload.position = channel.messageCount ?? 0;
		if (interaction) {
			payload.application_id = f.applicationId;
			payload.webhook_id = f.applicationId;
			const user = w.users.get(interaction.userId);
			const data = interaction.payload.data as Json;
			payload.interaction_metadata = {
				id: interaction.id,
				type: interaction.type,
				user: user ? userPayload(user) : undefined,
				authorizing_integration_owners: { '0': interaction.guildId },
				...(interaction.type === 3 && interaction.sourceMessageId
					? { interacted_message_id: interaction.sourceMessageId }
					: {}),
				...(interaction.type === 2 ? { name: data.name, command_type: 1 } : {}),
			};
			payload.interaction = {
				id: interaction.id,
				type: interaction.type,
				name: data.name ?? '',
				user: payload.interaction_metadata.user,
			};
		}
		const msg: Message = {
			id,
			channelId: channel.id,
			guildId: channel.guildId,
			authorId: w.bot.id,
			payload,
			deleted: false,
			...(interaction ? { interactionId: interaction.id } : {}),
		};
		w.messages.set(id, msg);
		channel.lastMessageId = id;
		if (isThread(channel.type)) channel.messageCount = (channel.messageCount ?? 0) + 1;
		if (!(payload.flags & EPHEMERAL))
			f.dispatch('MESSAGE_CREATE', { ...payload, guild_id: channel.guildId }, { guildId: channel.guildId });
		return msg;
	};

	const editMessage = (msg: Message, b: Json, ctx: RouteContext): Json => {
		const p = msg.payload;
		if (b.content !== undefined) p.content = b.content ?? '';
		if (b.embeds !== undefined) p.embeds = normalizeEmbeds(b.embeds ?? []);
		if (b.components !== undefined) p.components = b.components ?? [];
		if (b.attachments !== undefined || ctx.files.length) p.attachments = attachments(ctx);
		if (typeof b.flags === 'number') p.flags = (p.flags & ~(4 | 32768)) | (b.flags & (4 | 32768));
		p.flags = (p.flags as number) & ~LOADING;
		p.edited_timestamp = f.clock.iso();
		const ch = w.channel(msg.channelId);
		if (ch && !(p.flags & EPHEMERAL))
			f.dispatch('MESSAGE_UPDATE', { ...p, guild_id: ch.guildId }, { guildId: ch.guildId });
		return p;
	};

	const textChannel = (id: string | undefined): Channel | undefined => (id === undefined ? undefined : w.channel(id));

	const canView = (ch: Channel): boolean => (w.botPermissions(ch.id) & P.ViewChannel) !== 0n;
	const has = (ch: Channel, perm: bigint): boolean => (w.botPermissions(ch.id) & perm) === perm;

	// ---- interactions ------------------------------------------------------------------------

	const callbackAllowed: Record<number, number[]> = {
		2: [4, 5, 9],
		3: [4, 5, 6, 7, 9],
		4: [8],
		5: [4, 5, 6, 7],
	};

	const interactionCallback = (ctx: RouteContext): Reply => {
		const state = f.interactions.get(ctx.params.interaction!);
		if (!state || state.token !== ctx.params.token) return unknownInteraction();
		if (f.tokenExpired(state)) return invalidWebhookToken();
		const b = body(ctx);
		const type = b.type as number;
		const elapsed = f.clock.now() - state.dispatchedAt;
		if (state.callback) {
			f.violation({
				kind: 'interaction',
				message: `interaction ${state.id} answered twice (callback type ${type} after ${state.callback.type})`,
				method: 'POST',
				path: ctx.rec.path,
			});
			return error(400, 40060, 'Interaction has already been acknowledged.');
		}
		if (elapsed > f.options.interactionDeadlineMs) {
			f.violation({
				kind: 'interaction',
				message: `interaction ${state.id} answered after ${elapsed}ms (limit ${f.options.interactionDeadlineMs}ms)`,
				method: 'POST',
				path: ctx.rec.path,
			});
			return unknownInteraction();
		}
		if (
			!(callbackAllowed[state.type] ?? []).includes(type) ||
			(state.type === 5 && (type === 6 || type === 7) && !state.sourceMessageId)
		) {
			return invalid(
				ctx,
				[
					{
						path: ['type'],
						code: 'INTERACTION_RESPONSE_TYPE_INVALID',
						message: `Interaction response type ${type} is not valid for interaction type ${state.type}`,
					},
				],
				'interaction callback',
			);
		}
		const data = (b.data ?? undefined) as Json | undefined;
		const errors =
			type === 4
				? checkMessage(data, { requireContent: true })
				: type === 7
					? checkMessage(data)
					: type === 8
						? checkAutocomplete(data)
						: type === 9
							? checkModal(data)
							: [];
		if (errors.length)
			return invalid(
				ctx,
				errors.map((e) => (type === 4 || type === 7 ? { ...e, path: ['data', ...e.path] } : e)),
				`interaction callback type ${type}`,
			);
		const channel = w.channel(state.channelId);
		let message: Message | undefined;
		if (channel && (type === 4 || type === 5)) {
			const flags = ((data?.flags as number | undefined) ?? 0) & KEPT_FLAGS;
			message = createMessage(channel, type === 4 ? (data ?? {}) : {}, {
				ctx,
				interaction: state,
				type: state.type === 2 ? 20 : 0,
				flags: type === 5 ? flags | LOADING : flags,
			});
			state.originalMessageId = message.id;
		} else if (type === 6 || type === 7) {
			state.originalMessageId = state.sourceMessageId;
			const src = state.sourceMessageId ? w.messages.get(state.sourceMessageId) : undefined;
			if (src && type === 7) {
				editMessage(src, data ?? {}, ctx);
				message = src;
			}
		}
		state.callback = { type, ...(data !== undefined ? { data } : {}), at: f.clock.now(), latencyMs: elapsed };
		f.changed();
		if (ctx.query.with_response !== 'true') return noContent();
		const m = message?.payload;
		return ok({
			interaction: {
				id: state.id,
				type: state.type,
				...(m
					? {
							response_message_id: m.id,
							response_message_loading: ((m.flags as number) & LOADING) !== 0,
							response_message_ephemeral: ((m.flags as number) & EPHEMERAL) !== 0,
						}
					: {}),
			},
			...(type === 4 || type === 7 || type === 5 || type === 6 || type === 8 || type === 9
				? { resource: { type, ...(m && (type === 4 || type === 7) ? { message: m } : {}) } }
				: {}),
		});
	};

	/** The interaction behind a webhook route's token, or Discord's answer when there is none or it expired. */
	const webhookState = (ctx: RouteContext): InteractionState | Reply => {
		const s = f.interactionsByToken.get(ctx.params.token!);
		if (!s || ctx.params.app !== f.applicationId) return unknownWebhook();
		return f.tokenExpired(s) ? invalidWebhookToken() : s;
	};

	const originalOf = (s: InteractionState): Message | undefined => {
		const m = s.originalMessageId ? w.messages.get(s.originalMessageId) : undefined;
		return m && !m.deleted ? m : undefined;
	};

	const followupOf = (s: InteractionState, id: string): Message | undefined => {
		if (id === s.originalMessageId) return originalOf(s);
		const m = s.followups.includes(id) ? w.messages.get(id) : undefined;
		return m && !m.deleted ? m : undefined;
	};

	const webhookEdit = (ctx: RouteContext, find: (s: InteractionState) => Message | undefined): Reply => {
		const s = webhookState(ctx);
		if ('status' in s) return s;
		const m = find(s);
		if (!m) return unknownMessage();
		const errors = checkMessage(body(ctx));
		if (errors.length) return invalid(ctx, errors, 'webhook message edit');
		const result = ok(editMessage(m, body(ctx), ctx));
		f.changed();
		return result;
	};

	// ---- channels ----------------------------------------------------------------------------

	const postMessage = (ctx: RouteContext): Reply => {
		const ch = textChannel(ctx.params.channel);
		if (!ch) return unknownChannel();
		if (!canView(ch)) return missingAccess();
		const thread = isThread(ch.type);
		if (!has(ch, thread ? P.SendMessagesInThreads : P.SendMessages)) return missingPermissions();
		if (thread && ch.locked && !has(ch, P.ManageThreads)) return error(400, 50083, 'Thread is archived');
		const b = body(ctx);
		const errors = checkMessage(b, { requireContent: ctx.files.length === 0 });
		const empty = errors.find((e) => e.code === 'EMPTY_MESSAGE');
		if (empty) {
			f.violation({
				kind: 'limits',
				message: 'empty message',
				method: ctx.rec.method,
				path: ctx.rec.path,
				errors: [empty],
			});
			return error(400, 50006, 'Cannot send an empty message');
		}
		if (errors.length) return invalid(ctx, errors, 'message');
		if (b.message_reference) {
			const ref = b.message_reference as Json;
			const target = w.messages.get(String(ref.message_id));
			if ((!target || target.deleted) && ref.fail_if_not_exists !== false) {
				return invalid(
					ctx,
					[{ path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }],
					'message reference',
				);
			}
		}
		if (b.enforce_nonce && b.nonce !== undefined && b.nonce !== null) {
			const key = `${ch.id}:${String(b.nonce)}`;
			const seen = f.nonces.get(key);
			if (seen && f.clock.now() - seen.at < f.options.nonceWindowMs) {
				const original = w.messages.get(seen.messageId);
				if (original) return ok(original.payload);
			}
		}
		if (thread && ch.archived) ch.archived = false;
		const stripEmbeds = Array.isArray(b.embeds) && b.embeds.length > 0 && !has(ch, P.EmbedLinks);
		const msg = createMessage(ch, b, { ctx, stripEmbeds });
		if (stripEmbeds) f.strippedEmbeds.push({ channelId: ch.id, messageId: msg.id });
		if (b.enforce_nonce && b.nonce !== undefined && b.nonce !== null) {
			f.nonces.set(`${ch.id}:${String(b.nonce)}`, { messageId: msg.id, at: f.clock.now() });
		}
		return ok(msg.payload);
	};

	const channelMessage = (ctx: RouteContext): { ch: Channel; msg: Message } | Reply => {
		const ch = textChannel(ctx.params.channel);
		if (!ch) return unknownChannel();
		if (!canView(ch)) return missingAccess();
		const msg = w.messages.get(ctx.params.message!);
		if (!msg || msg.deleted || msg.channelId !== ch.id || (msg.payload.flags as number) & EPHEMERAL)
			return unknownMessage();
		return { ch, msg };
	};

	const createThread = (ctx: RouteContext, parent: Channel, b: Json, type: number, starter?: Message): Reply => {
		const errors = checkThreadName(b.name);
		if (b.auto_archive_duration !== undefined && ![60, 1440, 4320, 10080].includes(b.auto_archive_duration as number)) {
			errors.push({
				path: ['auto_archive_duration'],
				code: 'BASE_TYPE_CHOICES',
				message: 'Value must be one of {60, 1440, 4320, 10080}.',
			});
		}
		if (errors.length) return invalid(ctx, errors, 'thread');
		const now = f.clock.iso();
		const thread = w.addChannel(parent.guildId, {
			...(starter ? { id: starter.id } : {}),
			name: String(b.name),
			type,
			parentId: parent.id,
		});
		Object.assign(thread, {
			ownerId: w.bot.id,
			archived: false,
			locked: false,
			autoArchiveDuration: (b.auto_archive_duration as number | undefined) ?? 1440,
			createdAt: now,
			messageCount: 0,
			...(starter ? { starterMessageId: starter.id } : {}),
		});
		const payload = channelPayload(thread, w);
		if (starter) {
			starter.threadId = thread.id;
			starter.payload.flags = (starter.payload.flags as number) | HAS_THREAD;
			starter.payload.thread = payload;
		}
		f.dispatch('THREAD_CREATE', { ...payload, newly_created: true }, { guildId: parent.guildId });
		return ok(payload, 201);
	};

	// ---- forum posts, active threads, pins (added for the daily reflection's forum schedules) ----

	/** Start Thread in Forum Channel: a public thread and its starter message, which has the thread's id. */
	const forumPost = (ctx: RouteContext, forum: Channel): Reply => {
		if (!has(forum, P.SendMessages)) return missingPermissions();
		const b = body(ctx);
		const message = (b.message && typeof b.message === 'object' ? b.message : {}) as Json;
		const errors = [...checkThreadName(b.name), ...checkMessage(message)];
		const tags = Array.isArray(b.applied_tags) ? (b.applied_tags as unknown[]).map(String) : [];
		const known = new Set((forum.availableTags ?? []).map((tag) => tag.id));
		if (tags.length > 5 || tags.some((tag) => !known.has(tag))) {
			errors.push({ path: ['applied_tags'], code: 'UNKNOWN_TAG', message: 'Unknown forum tag.' });
		}
		if (errors.length) return invalid(ctx, errors, 'forum post');
		const id = w.ids.next();
		const thread = w.addChannel(forum.guildId, { id, name: String(b.name), type: 11, parentId: forum.id });
		Object.assign(thread, {
			ownerId: w.bot.id,
			archived: false,
			locked: false,
			autoArchiveDuration: (b.auto_archive_duration as number | undefined) ?? 1440,
			createdAt: f.clock.iso(),
			messageCount: 0,
			appliedTags: tags,
		});
		f.dispatch('THREAD_CREATE', { ...channelPayload(thread, w), newly_created: true }, { guildId: forum.guildId });
		const starter = createMessage(thread, message, { ctx, id });
		// Discord's message_count leaves the starter message out.
		thread.messageCount = 0;
		forum.lastMessageId = id;
		return ok({ ...channelPayload(thread, w), message: starter.payload }, 201);
	};

	/** The pin routes: Pin Messages in the channel, the message there. */
	const setPinned = (ctx: RouteContext, pinned: boolean): Reply => {
		const r = channelMessage(ctx);
		if ('status' in r) return r;
		if (!has(r.ch, P.PinMessages)) return missingPermissions();
		r.msg.payload.pinned = pinned;
		return noContent();
	};

	const guildEvent = (ctx: RouteContext): Reply | { guildId: string } => {
		const g = w.guilds.get(ctx.params.guild!);
		if (!g) return unknownGuild();
		return { guildId: g.id };
	};

	const commandsPut =
		(scope: string) =>
		(ctx: RouteContext): Reply => {
			if (ctx.params.app !== f.applicationId) return error(403, 50001, 'Missing Access');
			if (scope !== 'global' && !w.guilds.has(ctx.params.guild!)) return error(403, 50001, 'Missing Access');
			const errors = checkCommands(ctx.body);
			if (errors.length) return invalid(ctx, errors, 'application commands');
			const key = scope === 'global' ? 'global' : ctx.params.guild!;
			const old = f.commands.get(key) ?? [];
			const stored = (ctx.body as Json[]).map((c) => {
				const prev = old.find((o) => o.name === c.name && (o.type ?? 1) === (c.type ?? 1));
				return {
					id: prev?.id ?? w.ids.next(),
					application_id: f.applicationId,
					version: w.ids.next(),
					type: 1,
					default_member_permissions: null,
					nsfw: false,
					integration_types: [0],
					contexts: null,
					dm_permission: true,
					default_permission: true,
					description: '',
					...c,
					...(key !== 'global' ? { guild_id: key } : {}),
				};
			});
			f.commands.set(key, stored);
			return ok(stored);
		};

	const scheduledEventPerms = (guildId: string): boolean =>
		(w.guildBotPermissions(guildId) & (P.ManageEvents | P.CreateEvents)) !== 0n;

	return [
		// ---- gateway, identity ----
		route('GET', '/gateway', () => ok({ url: f.wsUrl }), { noAuth: true }),
		route('GET', '/gateway/bot', () =>
			ok({
				url: f.wsUrl,
				shards: 1,
				session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
			}),
		),
		route('POST', '/users/@me/channels', (ctx) => openDirectMessage(f, ctx)),
		route('GET', '/users/@me', () =>
			ok({ ...userPayload(w.bot), verified: true, mfa_enabled: false, locale: 'en-US', email: null }),
		),
		...['/applications/@me', '/oauth2/applications/@me'].map((p) =>
			route('GET', p, () =>
				ok({
					id: f.applicationId,
					name: w.bot.username,
					icon: null,
					description: '',
					bot_public: true,
					bot_require_code_grant: false,
					bot: userPayload(w.bot),
					owner: {
						id: '100000000000000001',
						username: 'owner',
						discriminator: '0',
						avatar: null,
						public_flags: 0,
						flags: 0,
						global_name: null,
					},
					verify_key: 'fake',
					flags: 0,
					team: null,
					summary: '',
					install_params: { scopes: ['bot', 'applications.commands'], permissions: '0' },
				}),
			),
		),

		// ---- commands ----
		route('PUT', '/applications/:app/commands', commandsPut('global')),
		route('GET', '/applications/:app/commands', (ctx) =>
			ctx.params.app === f.applicationId
				? ok(commandsAsListed(f.commands.get('global') ?? [], ctx.query))
				: error(403, 50001, 'Missing Access'),
		),
		route('PUT', '/applications/:app/guilds/:guild/commands', commandsPut('guild')),
		route('GET', '/applications/:app/guilds/:guild/commands', (ctx) =>
			ctx.params.app === f.applicationId
				? ok(commandsAsListed(f.commands.get(ctx.params.guild!) ?? [], ctx.query))
				: error(403, 50001, 'Missing Access'),
		),

		// ---- interactions ----
		route('POST', '/interactions/:interaction/:token/callback', interactionCallback, {
			noAuth: true,
			noGlobalLimit: true,
		}),
		route(
			'GET',
			'/webhooks/:app/:token/messages/@original',
			(ctx) => {
				const s = webhookState(ctx);
				if ('status' in s) return s;
				const m = originalOf(s);
				return m ? ok(m.payload) : unknownMessage();
			},
			{ noAuth: true, noGlobalLimit: true },
		),
		route('PATCH', '/webhooks/:app/:token/messages/@original', (ctx) => webhookEdit(ctx, originalOf), {
			noAuth: true,
			noGlobalLimit: true,
		}),
		route(
			'DELETE',
			'/webhooks/:app/:token/messages/@original',
			(ctx) => {
				const s = webhookState(ctx);
				if ('status' in s) return s;
				const m = originalOf(s);
				if (!m) return unknownMessage();
				m.deleted = true;
				f.changed();
				return noContent();
			},
			{ noAuth: true, noGlobalLimit: true },
		),
		route(
			'POST',
			'/webhooks/:app/:token',
			(ctx) => {
				const s = webhookState(ctx);
				if ('status' in s) return s;
				if (!s.callback) return unknownWebhook();
				const b = body(ctx);
				const errors = checkMessage(b, { requireContent: ctx.files.length === 0 });
				if (errors.length) return invalid(ctx, errors, 'follow-up');
				const original = originalOf(s);
				if (original && s.callback.type === 5 && ((original.payload.flags as number) & LOADING) !== 0) {
					// deprecated behaviour: the first follow-up after a defer edits the loading message
					return ok(editMessage(original, b, ctx));
				}
				const ch = w.channel(s.channelId);
				if (!ch) return unknownChannel();
				const msg = createMessage(ch, b, { ctx, interaction: s, type: 0 });
				s.followups.push(msg.id);
				f.changed();
				return ok(msg.payload);
			},
			{ noAuth: true, noGlobalLimit: true },
		),
		route(
			'GET',
			'/webhooks/:app/:token/messages/:message',
			(ctx) => {
				const s = webhookState(ctx);
				if ('status' in s) return s;
				const m = followupOf(s, ctx.params.message!);
				return m ? ok(m.payload) : unknownMessage();
			},
			{ noAuth: true, noGlobalLimit: true },
		),
		route(
			'PATCH',
			'/webhooks/:app/:token/messages/:message',
			(ctx) => webhookEdit(ctx, (s) => followupOf(s, ctx.params.message!)),
			{ noAuth: true, noGlobalLimit: true },
		),
		route(
			'DELETE',
			'/webhooks/:app/:token/messages/:message',
			(ctx) => {
				const s = webhookState(ctx);
				if ('status' in s) return s;
				const m = followupOf(s, ctx.params.message!);
				if (!m) return unknownMessage();
				m.deleted = true;
				return noContent();
			},
			{ noAuth: true, noGlobalLimit: true },
		),

		// ---- channels & messages ----
		route('GET', '/channels/:channel', (ctx) => {
			const ch = textChannel(ctx.params.channel);
			if (!ch) return unknownChannel();
			if (!canView(ch)) return missingAccess();
			return ok(channelPayload(ch, w));
		}),
		route('PATCH', '/channels/:channel', (ctx) => {
			const ch = textChannel(ctx.params.channel);
			if (!ch) return unknownChannel();
			if (!canView(ch)) return missingAccess();
			const b = body(ctx);
			const thread = isThread(ch.type);
			const own = thread && ch.ownerId === w.bot.id;
			if (!has(ch, thread ? P.ManageThreads : P.ManageChannels) && !(own && b.locked === undefined))
				return missingPermissions();
			if (b.name !== undefined) {
				const errors = checkThreadName(b.name);
				if (errors.length) return invalid(ctx, errors, 'channel edit');
				ch.name = String(b.name);
			}
			if (typeof b.archived === 'boolean') ch.archived = b.archived;
			if (typeof b.locked === 'boolean') ch.locked = b.locked;
			if (typeof b.auto_archive_duration === 'number') ch.autoArchiveDuration = b.auto_archive_duration;
			if (b.topic !== undefined) ch.topic = b.topic as string | null;
			const payload = channelPayload(ch, w);
			f.dispatch(thread ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE', payload, { guildId: ch.guildId });
			return ok(payload);
		}),
		route('DELETE', '/channels/:channel', (ctx) => {
			const ch = textChannel(ctx.params.channel);
			if (!ch) return unknownChannel();
			if (!canView(ch)) return missingAccess();
			const thread = isThread(ch.type);
			if (!has(ch, thread ? P.ManageThreads : P.ManageChannels)) return missingPermissions();
			const payload = channelPayload(ch, w);
			f.deleteChannel(ch.id);
			return ok(payload);
		}),
		route('GET', '/channels/:channel/messages', (ctx) => {
			const ch = textChannel(ctx.params.channel);
			if (!ch) return unknownChannel();
			if (!canView(ch)) return missingAccess();
			if (!has(ch, P.ReadMessageHistory)) return ok([]);
			const limit = Number(ctx.query.limit ?? 50);
			if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
				const code = limit > 100 ? 'NUMBER_TYPE_MAX' : 'NUMBER_TYPE_MIN';
				return invalid(ctx, [{ path: ['limit'], code, message: 'limit must be between 1 and 100.' }], 'history');
			}
			const visible = f.messages(ch.id).filter((m) => !((m.flags as number) & EPHEMERAL));
			return ok(historyPage(visible, ctx.query, limit));
		}),
		route('POST', '/channels/:channel/messages', (ctx) => directMessage(f, ctx) ?? postMessage(ctx)),
		route('GET', '/channels/:channel/messages/:message', (ctx) => {
			const r = channelMessage(ctx);
			if ('status' in r) return r;
			if (!has(r.ch, P.ReadMessageHistory)) return missingAccess();
			return ok(r.msg.payload);
		}),
		route('PATCH', '/channels/:channel/messages/:message', (ctx) => {
			const r = channelMessage(ctx);
			if ('status' in r) return r;
			if (r.msg.authorId !== w.bot.id) return error(403, 50005, 'Cannot edit a message authored by another user');
			// A send reopens an archived thread; an edit is refused until someone reopens it.
			if (isThread(r.ch.type) && r.ch.archived) {
				return error(400, 50083, 'Operation cannot be performed on an archived thread');
			}
			const b = body(ctx);
			const errors = checkMessage(b);
			if (errors.length) return invalid(ctx, errors, 'message edit');
			if (Array.isArray(b.embeds) && b.embeds.length && !has(r.ch, P.EmbedLinks)) {
				f.strippedEmbeds.push({ channelId: r.ch.id, messageId: r.msg.id });
				b.embeds = [];
			}
			return ok(editMessage(r.msg, b, ctx));
		}),
		route('DELETE', '/channels/:channel/messages/:message', (ctx) => {
			const r = channelMessage(ctx);
			if ('status' in r) return r;
			if (r.msg.authorId !== w.bot.id && !has(r.ch, P.ManageMessages)) return missingPermissions();
			r.msg.deleted = true;
			f.dispatch(
				'MESSAGE_DELETE',
				{ id: r.msg.id, channel_id: r.ch.id, guild_id: r.ch.guildId },
				{ guildId: r.ch.guildId },
			);
			return noContent();
		}),
		route('PUT', '/channels/:channel/messages/pins/:message', (ctx) => setPinned(ctx, true)),
		route('DELETE', '/channels/:channel/messages/pins/:message', (ctx) => setPinned(ctx, false)),
		route('GET', '/guilds/:guild/threads/active', (ctx) => {
			const g = w.guilds.get(ctx.params.guild!);
			if (!g) return unknownGuild();
			const threads = [...g.channels.values()].filter((ch) => {
				const parent = ch.parentId ? w.channel(ch.parentId) : undefined;
				return isThread(ch.type) && !ch.archived && parent !== undefined && canView(parent);
			});
			return ok({ threads: threads.map((thread) => channelPayload(thread, w)), members: [] });
		}),
		route('POST', '/channels/:channel/messages/:message/threads', (ctx) => {
			const r = channelMessage(ctx);
			if ('status' in r) return r;
			if (r.ch.type !== 0 && r.ch.type !== 5) return error(400, 50024, 'Cannot execute action on this channel type');
			if (!has(r.ch, P.CreatePublicThreads)) return missingPermissions();
			if (r.msg.threadId && w.channel(r.msg.threadId))
				return error(400, 160004, 'A thread has already been created for this message');
			return createThread(ctx, r.ch, body(ctx), r.ch.type === 5 ? 10 : 11, r.msg);
		}),
		route('POST', '/channels/:channel/threads', (ctx) => {
			const ch = textChannel(ctx.params.channel);
			if (!ch) return unknownChannel();
			if (!canView(ch)) return missingAccess();
			if (ch.type === 15) return forumPost(ctx, ch);
			if (ch.type !== 0 && ch.type !== 5) return error(400, 50024, 'Cannot execute action on this channel type');
			const b = body(ctx);
			const type = (b.type as number | undefined) ?? 12;
			if (type !== 11 && type !== 12 && type !== 10) {
				return invalid(
					ctx,
					[{ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {10, 11, 12}.' }],
					'thread',
				);
			}
			if (!has(ch, type === 12 ? P.CreatePrivateThreads : P.CreatePublicThreads)) return missingPermissions();
			return createThread(ctx, ch, b, type);
		}),
		...(['PUT', 'DELETE'] as const).map((method) =>
			route(method, '/channels/:channel/thread-members/@me', (ctx) => {
				const ch = textChannel(ctx.params.channel);
				if (!ch) return unknownChannel();
				if (!isThread(ch.type)) return error(400, 50024, 'Cannot execute action on this channel type');
				if (!canView(ch)) return missingAccess();
				return noContent();
			}),
		),

		// ---- guilds ----
		route('GET', '/guilds/:guild', (ctx) => {
			const g = w.guilds.get(ctx.params.guild!);
			if (!g) return unknownGuild();
			const p = f.guildPayload(g);
			for (const k of [
				'channels',
				'threads',
				'members',
				'voice_states',
				'presences',
				'joined_at',
				'large',
				'member_count',
				'guild_scheduled_events',
				'stage_instances',
				'soundboard_sounds',
				'embedded_activities',
				'lazy',
				'unavailable',
			])
				delete p[k];
			return ok(p);
		}),
		route('GET', '/guilds/:guild/channels', (ctx) => {
			const g = w.guilds.get(ctx.params.guild!);
			if (!g) return unknownGuild();
			return ok([...g.channels.values()].filter((c) => !isThread(c.type)).map((c) => channelPayload(c, w)));
		}),
		route('GET', '/guilds/:guild/members/:user', (ctx) => {
			const g = w.guilds.get(ctx.params.guild!);
			if (!g) return unknownGuild();
			const u = w.users.get(ctx.params.user!);
			if (!u) return error(404, 10007, 'Unknown Member');
			return ok(memberPayload(w, g, u));
		}),
		route('GET', '/guilds/:guild/scheduled-events', (ctx) => {
			const r = guildEvent(ctx);
			if ('status' in r) return r;
			return ok(f.scheduledEvents(r.guildId));
		}),
		route('POST', '/guilds/:guild/scheduled-events', (ctx) => {
			const r = guildEvent(ctx);
			if ('status' in r) return r;
			if (!scheduledEventPerms(r.guildId)) return missingPermissions();
			const b = body(ctx);
			const errors = checkScheduledEvent(b, f.clock.now(), true);
			if (b.channel_id && !w.channel(String(b.channel_id))) {
				errors.push({ path: ['channel_id'], code: 'CHANNEL_NOT_FOUND', message: 'Unknown channel' });
			}
			if (errors.length) return invalid(ctx, errors, 'scheduled event');
			const id = w.ids.next();
			const payload: Json = {
				id,
				guild_id: r.guildId,
				channel_id: b.entity_type === 3 ? null : (b.channel_id ?? null),
				creator_id: w.bot.id,
				name: b.name,
				description: b.description ?? null,
				scheduled_start_time: new Date(String(b.scheduled_start_time)).toISOString(),
				scheduled_end_time: b.scheduled_end_time ? new Date(String(b.scheduled_end_time)).toISOString() : null,
				privacy_level: 2,
				status: 1,
				entity_type: b.entity_type,
				entity_id: null,
				entity_metadata: b.entity_metadata ?? null,
				creator: userPayload(w.bot),
				user_count: 0,
				image: null,
				recurrence_rule: null,
				auto_start: false,
			};
			w.events.set(id, { id, guildId: r.guildId, payload });
			f.dispatch('GUILD_SCHEDULED_EVENT_CREATE', payload, { guildId: r.guildId });
			return ok(payload);
		}),
		route('GET', '/guilds/:guild/scheduled-events/:event', (ctx) => {
			const r = guildEvent(ctx);
			if ('status' in r) return r;
			const e = w.events.get(ctx.params.event!);
			return e && e.guildId === r.guildId ? ok(e.payload) : error(404, 10070, 'Unknown Guild Scheduled Event');
		}),
		route('PATCH', '/guilds/:guild/scheduled-events/:event', (ctx) => {
			const r = guildEvent(ctx);
			if ('status' in r) return r;
			const e = w.events.get(ctx.params.event!);
			if (!e || e.guildId !== r.guildId) return error(404, 10070, 'Unknown Guild Scheduled Event');
			if (!scheduledEventPerms(r.guildId)) return missingPermissions();
			const b = body(ctx);
			const status = e.payload.status as number;
			const errors = checkScheduledEvent(
				{ ...b, ...(b.scheduled_start_time === undefined || status !== 1 ? { scheduled_start_time: undefined } : {}) },
				f.clock.now(),
				false,
			);
			if (b.status !== undefined) {
				const allowed: Record<number, number[]> = { 1: [2, 4], 2: [3] };
				if (!(allowed[status] ?? []).includes(b.status as number)) {
					errors.push({
						path: ['status'],
						code: 'GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION',
						message: `Cannot go from status ${status} to ${String(b.status)}`,
					});
				}
			}
			if (errors.length) return invalid(ctx, errors, 'scheduled event edit');
			for (const k of [
				'name',
				'description',
				'scheduled_start_time',
				'scheduled_end_time',
				'status',
				'entity_metadata',
				'channel_id',
				'entity_type',
			]) {
				if (b[k] !== undefined) e.payload[k] = b[k];
			}
			f.dispatch('GUILD_SCHEDULED_EVENT_UPDATE', e.payload, { guildId: r.guildId });
			return ok(e.payload);
		}),
		route('DELETE', '/guilds/:guild/scheduled-events/:event', (ctx) => {
			const r = guildEvent(ctx);
			if ('status' in r) return r;
			const e = w.events.get(ctx.params.event!);
			if (!e || e.guildId !== r.guildId) return error(404, 10070, 'Unknown Guild Scheduled Event');
			if (!scheduledEventPerms(r.guildId)) return missingPermissions();
			w.events.delete(e.id);
			f.dispatch('GUILD_SCHEDULED_EVENT_DELETE', e.payload, { guildId: r.guildId });
			return noContent();
		}),
	];
}

/**
 * One page of channel history as Discord pages it: `after` gives the `limit` messages closest after that id
 * (the oldest of those newer), `before` the closest before it, `around` half on each side; none gives the
 * newest. Always newest first.
 */
export function historyPage<T extends Json>(
	oldestFirst: readonly T[],
	query: { after?: string; before?: string; around?: string },
	limit: number,
): T[] {
	const id = (m: T) => BigInt(m.id as string);
	let page: readonly T[];
	if (query.after !== undefined) {
		const after = BigInt(query.after);
		page = oldestFirst.filter((m) => id(m) > after).slice(0, limit);
	} else if (query.before !== undefined) {
		const before = BigInt(query.before);
		page = oldestFirst.filter((m) => id(m) < before).slice(-limit);
	} else if (query.around !== undefined) {
		const around = BigInt(query.around);
		const older = oldestFirst.filter((m) => id(m) <= around).slice(-Math.ceil(limit / 2));
		const newer = oldestFirst.filter((m) => id(m) > around).slice(0, limit - older.length);
		page = [...older, ...newer];
	} else {
		page = oldestFirst.slice(-limit);
	}
	return [...page].reverse();
}

// ---- direct messages (self-contained: the bot opening a DM with a user and writing there) ----------------

/** The DMs the bot sent, per fake; a user in `closed` refuses them as Discord does (403, code 50007). */
export interface DirectMessages {
	readonly closed: Set<string>;
	readonly sent: { readonly userId: string; readonly message: Json }[];
}

const directMessages = new WeakMap<FakeDiscord, DirectMessages & { readonly channels: Map<string, string> }>();

function dmState(f: FakeDiscord) {
	let state = directMessages.get(f);
	if (!state) directMessages.set(f, (state = { closed: new Set(), sent: [], channels: new Map() }));
	return state;
}

export function dms(f: FakeDiscord): DirectMessages {
	return dmState(f);
}

/** `POST /users/@me/channels`: the DM channel with `recipient_id`, the same one every time. */
function openDirectMessage(f: FakeDiscord, ctx: RouteContext): Reply {
	const user = f.world.users.get(String((ctx.body as Json | undefined)?.recipient_id));
	if (!user || user.bot) return error(400, 50033, 'Invalid Recipient(s)');
	const state = dmState(f);
	let id = [...state.channels].find(([, userId]) => userId === user.id)?.[0];
	if (id === undefined) state.channels.set((id = f.world.ids.next()), user.id);
	return ok({ id, type: 1, last_message_id: null, flags: 0, recipients: [userPayload(user)] });
}

/** A message posted in a DM channel; undefined for any other channel. */
function directMessage(f: FakeDiscord, ctx: RouteContext): Reply | undefined {
	const state = dmState(f);
	const userId = state.channels.get(ctx.params.channel!);
	if (userId === undefined) return undefined;
	if (state.closed.has(userId)) return error(403, 50007, 'Cannot send messages to this user');
	const b = (ctx.body ?? {}) as Json;
	const errors = checkMessage(b);
	if (errors.length) return { status: 400, body: formBody(errors) };
	const id = f.world.ids.next();
	const message: Json = {
		id,
		type: 0,
		channel_id: ctx.params.channel,
		author: userPayload(f.world.bot),
		content: b.content ?? '',
		embeds: b.embeds ?? [],
		components: b.components ?? [],
		attachments: [],
		mentions: [],
		mention_roles: [],
		mention_everyone: false,
		pinned: false,
		tts: false,
		timestamp: new Date(snowflakeTime(id)).toISOString(),
		edited_timestamp: null,
		flags: 0,
	};
	state.sent.push({ userId, message });
	return ok(message);
}

/**
 * A command list as Discord's GET answers it: the localization dictionaries only with `with_localizations=true`,
 * otherwise `name_localized` / `description_localized` (the fake's Accept-Language is always en-US).
 */
function commandsAsListed(commands: Json[], query: Record<string, string>): Json[] {
	if (query.with_localizations === 'true') return commands;
	const strip = (item: Json): Json => {
		const rest = { ...item };
		delete rest.name_localizations;
		delete rest.description_localizations;
		return {
			...rest,
			...(item.name !== undefined ? { name_localized: item.name } : {}),
			...(item.description !== undefined ? { description_localized: item.description } : {}),
			...(Array.isArray(item.options) ? { options: (item.options as Json[]).map(strip) } : {}),
			...(Array.isArray(item.choices) ? { choices: (item.choices as Json[]).map(strip) } : {}),
		};
	};
	return commands.map(strip);
}
