import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, PermissionFlagsBits, Routes } from 'discord.js';
import type { Interaction, TextChannel } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDiscord, INTERACTION_TOKEN_MS, snowflakeTime, startFakeDiscord } from './fake-discord/index.js';
import { DEFAULT_START, TestClock } from './support/context.js';
import { CHANNEL_ID, GUILD_ID, TestDiscord, testDiscordCore } from './support/discord.js';
import type { Guild } from './fake-discord/index.js';

const TOKEN = 'MTAw.fake.token';

let fake: FakeDiscord;
let client: Client | undefined;
let guild: Guild;
let general: string;
let locked: string;

async function connect(onInteraction?: (i: Interaction) => Promise<void>): Promise<Client> {
	const c = new Client({
		intents: [GatewayIntentBits.Guilds],
		rest: { api: fake.api },
		allowedMentions: { parse: [] },
	});
	client = c;
	if (onInteraction) {
		c.on(Events.InteractionCreate, (i) => {
			void onInteraction(i).catch((err: unknown) => c.emit('error', err as Error));
		});
	}
	c.on('error', () => undefined);
	const ready = once(c, Events.ClientReady);
	await c.login(TOKEN);
	await ready;
	return c;
}

beforeEach(async () => {
	fake = await startFakeDiscord({ heartbeatIntervalMs: 5_000 });
	guild = fake.addGuild({
		name: 'Her watchers',
		preferredLocale: 'ko',
		channels: [
			{ name: 'general' },
			{ name: 'announcements', denyBot: ['SendMessages', 'EmbedLinks', 'CreatePublicThreads'] },
		],
	});
	general = fake.general(guild.id);
	locked = [...guild.channels.values()].find((c) => c.name === 'announcements')!.id;
});

afterEach(async () => {
	await client?.destroy();
	client = undefined;
	await fake.close();
});

describe('fake discord', () => {
	it('serves /gateway/bot, READY and GUILD_CREATE with real permissions', async () => {
		const c = await connect();
		const identify = await fake.waitForIdentify();
		expect((identify.d as { compress?: boolean }).compress).not.toBe(true);
		expect(fake.gateway.connections[0]).toContain('v=10');
		expect(fake.gateway.connections[0]).toContain('encoding=json');
		expect(fake.gateway.connections[0]).not.toContain('compress');
		expect(fake.requests.some((r) => r.route === '/gateway/bot')).toBe(true);

		const g = c.guilds.cache.get(guild.id)!;
		expect(g).toBeDefined();
		expect(g.preferredLocale).toBe('ko');
		expect(c.user!.id).toBe(fake.bot.id);
		expect(c.application!.id).toBe(fake.applicationId);
		const me = g.members.me!;
		const gen = g.channels.cache.get(general)!;
		const ann = g.channels.cache.get(locked)!;
		expect(gen.permissionsFor(me).bitfield).toBe(fake.botPermissions(general));
		expect(ann.permissionsFor(me).bitfield).toBe(fake.botPermissions(locked));
		expect(ann.permissionsFor(me).has(PermissionFlagsBits.SendMessages)).toBe(false);
		expect(ann.permissionsFor(me).has(PermissionFlagsBits.ViewChannel)).toBe(true);
		expect(gen.permissionsFor(me).has(PermissionFlagsBits.EmbedLinks)).toBe(true);
		expect(fake.unexpected).toEqual([]);
		expect(fake.violations).toEqual([]);
	});

	it('dispatches a chat-input interaction and records the callback', async () => {
		const user = fake.user({ locale: 'ko', permissions: ['ManageGuild'] });
		await connect(async (i) => {
			if (!i.isChatInputCommand()) return;
			expect(i.locale).toBe('ko');
			expect(i.guildLocale).toBe('ko');
			expect(i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(true);
			expect(i.appPermissions.bitfield).toBe(fake.botPermissions(general));
			await i.reply({ embeds: [{ title: 'Pong', description: '사만다' }] });
		});
		const { id } = fake.interact({ kind: 'command', name: 'ping', guildId: guild.id, channelId: general, user });
		const res = await fake.response(id);
		expect(res.type).toBe(4);
		expect(res.data?.embeds?.[0]?.title).toBe('Pong');
		const reply = await fake.reply(id);
		expect(reply.embeds[0].description).toBe('사만다');
		expect(fake.unanswered()).toEqual([]);
		expect(fake.violations).toEqual([]);
	});

	it('detects limit violations with Discord’s 400 and records them', async () => {
		const c = await connect();
		const channel = (await c.channels.fetch(general)) as TextChannel;
		const err = await channel.send({ embeds: [{ title: 'x'.repeat(257) }] }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(DiscordAPIError);
		expect((err as DiscordAPIError).code).toBe(50035);
		expect((err as DiscordAPIError).status).toBe(400);
		expect(fake.violations).toHaveLength(1);
		expect(fake.violations[0]!.errors?.[0]?.path).toEqual(['embeds', 0, 'title']);
		expect(fake.messages(general)).toHaveLength(0);

		const bad = await c
			.application!.commands.set([{ name: 'Her Quote', description: 'x' }], guild.id)
			.catch((e: unknown) => e);
		expect((bad as DiscordAPIError).code).toBe(50035);
		expect(fake.violations).toHaveLength(2);
	});

	it('answers Missing Permissions / Unknown Channel and strips embeds without EMBED_LINKS', async () => {
		const c = await connect();
		const ann = c.channels.cache.get(locked) as TextChannel;
		const err = await ann.send('hello').catch((e: unknown) => e);
		expect((err as DiscordAPIError).code).toBe(50013);
		const unknown = await c.rest
			.post('/channels/123456789012345678/messages', { body: { content: 'x' } })
			.catch((e: unknown) => e);
		expect((unknown as DiscordAPIError).code).toBe(10003);
		fake.setBotOverwrite(locked, [], ['EmbedLinks']);
		await fake.waitUntil(() => ann.permissionsFor(c.user!)?.has(PermissionFlagsBits.SendMessages));
		const sent = await ann.send({ content: 'hi', embeds: [{ title: 'dropped' }] });
		expect(sent.embeds).toHaveLength(0);
		expect(fake.strippedEmbeds).toHaveLength(1);
	});

	it('honours nonce + enforce_nonce', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		const a = await channel.send({ content: 'daily', nonce: 'daily-1', enforceNonce: true });
		const b = await channel.send({ content: 'daily', nonce: 'daily-1', enforceNonce: true });
		expect(b.id).toBe(a.id);
		expect(fake.messages(general)).toHaveLength(1);
	});

	it('waits and retries once on a 429 with retry_after', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		fake.failNext({ method: 'POST', path: '/channels/:channel/messages', status: 429, retryAfter: 0.3 });
		const started = Date.now();
		await channel.send('once');
		expect(Date.now() - started).toBeGreaterThanOrEqual(250);
		const posts = fake.requests.filter((r) => r.method === 'POST' && r.route === '/channels/:channel/messages');
		expect(posts.map((r) => r.status)).toEqual([429, 200]);
		expect(fake.messages(general)).toHaveLength(1);
		expect(fake.rateLimited).toBe(1);
	});

	it('injects 500s and enforces a global rate limit', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		fake.failNext({ method: 'POST', path: /\/messages$/, status: 500 });
		await channel.send('after a 500');
		fake.setGlobalRateLimit(5);
		await Promise.all(Array.from({ length: 8 }, (_, n) => channel.send(`burst ${n}`)));
		expect(fake.messages(general)).toHaveLength(9);
		expect(fake.rateLimited).toBeGreaterThan(0);
		const limited = fake.requests.find((r) => r.status === 429);
		expect(limited?.response).toMatchObject({ global: true });
	});

	it('reads the most requests in any one second, across the seconds its global limit counts', async () => {
		const get = async () => {
			const answer = await fake.serve({
				method: 'GET',
				path: '/api/v10/users/@me',
				query: {},
				authorization: `Bot ${TOKEN}`,
				body: undefined,
				files: [],
			});
			return answer.status;
		};
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			const start = Date.parse('2025-05-14T11:00:00.000Z');
			fake.setGlobalRateLimit(3);
			vi.setSystemTime(start);
			const statuses = [await get()];
			vi.setSystemTime(start + 900);
			statuses.push(await get(), await get());
			// The limit's next second begins here, so these pass: yet five came within 100 ms.
			vi.setSystemTime(start + 1_000);
			statuses.push(await get(), await get(), await get());
			expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
			expect(fake.peakRequestsPerSecond).toBe(5);
			vi.setSystemTime(start + 1_001);
			expect(await get()).toBe(429);
			expect(fake.peakRequestsPerSecond).toBe(6);
		} finally {
			vi.useRealTimers();
		}
	});

	it('creates threads and scheduled events and dispatches THREAD_CREATE', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		const msg = await channel.send('welcome');
		const thread = await msg.startThread({ name: 'Watch party' });
		expect(thread.id).toBe(msg.id);
		await fake.waitUntil(() => c.channels.cache.get(thread.id));
		const dup = await c.rest
			.post(Routes.threads(general, msg.id), { body: { name: 'again' } })
			.catch((e: unknown) => e);
		expect((dup as DiscordAPIError).code).toBe(160004);
		await thread.join();
		const ann = c.channels.cache.get(locked) as TextChannel;
		const denied = await ann.threads.create({ name: 'nope' }).catch((e: unknown) => e);
		expect((denied as DiscordAPIError).code).toBe(50013);
		const start = new Date(fake.clock.now() + 3_600_000);
		const event = await c.guilds.cache.get(guild.id)!.scheduledEvents.create({
			name: 'Her — watch party',
			scheduledStartTime: start,
			scheduledEndTime: new Date(start.getTime() + 126 * 60_000),
			privacyLevel: 2,
			entityType: 3,
			entityMetadata: { location: 'Discord' },
		});
		expect(fake.scheduledEvents(guild.id).map((e) => e.id)).toEqual([event.id]);
		await event.delete();
		expect(fake.scheduledEvents(guild.id)).toEqual([]);
		expect(fake.violations).toEqual([]);
		expect(fake.unexpected).toEqual([]);
	});

	it('records an interaction nobody answers', async () => {
		await fake.close();
		fake = await startFakeDiscord({ interactionDeadlineMs: 200 });
		guild = fake.addGuild({});
		await connect();
		const { id } = fake.interact({
			kind: 'command',
			name: 'ping',
			guildId: guild.id,
			channelId: fake.general(guild.id),
		});
		expect(fake.unanswered().map((i) => i.id)).toEqual([id]);
		await fake.waitUntil(() => fake.violations.length > 0, { timeoutMs: 1_000 });
		expect(fake.violations[0]!.message).toContain('not answered');
	});

	it('resumes after a 4000 close and after op 7, and interactions keep working', async () => {
		await connect(async (i) => {
			if (i.isChatInputCommand()) await i.reply({ content: 'pong' });
		});
		for (const fault of ['close4000', 'op7', 'terminate'] as const) {
			const from = fake.gateway.ops.length;
			if (fault === 'close4000') fake.closeGateway(4000);
			else if (fault === 'op7') fake.requestReconnect();
			else fake.closeGateway(1006);
			await fake.waitForResume({ from });
			await fake.waitForOp(0, { from, dir: 'out', t: 'RESUMED' });
			const { id } = fake.interact({ kind: 'command', name: 'ping', guildId: guild.id, channelId: general });
			expect((await fake.response(id)).data?.content).toBe('pong');
		}
		expect(fake.gateway.ops.filter((o) => o.dir === 'in' && o.op === 2)).toHaveLength(1);
		expect(fake.violations).toEqual([]);
	});

	it('handles buttons, autocomplete, modals, threads and double answers', async () => {
		const c = await connect(async (i) => {
			if (i.isAutocomplete()) {
				await i.respond(Array.from({ length: 30 }, (_, n) => ({ name: `q${n}`, value: `q${n}` })).slice(0, 25));
			} else if (i.isChatInputCommand()) {
				await i.reply({
					content: 'quote',
					components: [{ type: 1, components: [{ type: 2, style: 1, custom_id: 'quote:another', label: 'Another' }] }],
				});
			} else if (i.isButton()) {
				await i.showModal({
					title: 'Answer',
					custom_id: 'answer',
					components: [{ type: 1, components: [{ type: 4, custom_id: 'text', label: 'Your answer', style: 1 }] }],
				});
			} else if (i.isModalSubmit()) {
				await i.deferReply();
				const thread = await (i.channel as TextChannel).threads.create({ name: i.fields.getTextInputValue('text') });
				await i.editReply(`thread ${thread.id}`);
			}
		});
		const ac = fake.interact({
			kind: 'autocomplete',
			name: 'her-quote',
			options: { id: 'sam' },
			focused: 'id',
			guildId: guild.id,
			channelId: general,
		});
		expect((await fake.response(ac.id)).data?.choices).toHaveLength(25);
		const cmd = fake.interact({ kind: 'command', name: 'her-quote', guildId: guild.id, channelId: general });
		await fake.reply(cmd.id);
		const btn = fake.interact({ kind: 'button', customId: 'quote:another', guildId: guild.id, channelId: general });
		expect((await fake.response(btn.id)).type).toBe(9);
		const modal = fake.interact({
			kind: 'modal',
			customId: 'answer',
			fields: { text: 'Samantha' },
			guildId: guild.id,
			channelId: general,
		});
		const reply = await fake.reply(modal.id);
		expect(reply.content).toMatch(/^thread \d+$/);
		expect(fake.threads(general).map((t) => t.name)).toEqual(['Samantha']);
		expect(fake.violations).toEqual([]);
		const again = await c.rest
			.post(Routes.interactionCallback(modal.id, modal.token), {
				body: { type: 4, data: { content: 'again' } },
				auth: false,
			})
			.catch((e: unknown) => e);
		expect((again as DiscordAPIError).code).toBe(40060);
		expect(fake.violations).toHaveLength(1);
		expect(fake.violations[0]!.message).toContain('answered twice');
	});

	// How fast is the benchmark's to measure (bench/); this is what the bot gets.
	it('sends GUILD_CREATE for many large guilds, each with its channels and roles', async () => {
		fake.addGuilds(1_000, (i) => ({
			name: `g${i}`,
			channels: Array.from({ length: 20 }, (_, n) => ({ name: `c${n}` })),
			roles: Array.from({ length: 18 }, (_, n) => ({ name: `r${n}` })),
		}));
		const c = await connect();
		expect(c.guilds.cache.size).toBe(1_001);
		const last = c.guilds.cache.find((guild) => guild.name === 'g999')!;
		expect(last.channels.cache.map((channel) => channel.name)).toEqual(Array.from({ length: 20 }, (_, n) => `c${n}`));
		expect(last.roles.cache.filter((role) => /^r\d+$/.test(role.name)).size).toBe(18);
	});
});

describe('fake discord: channel history pages as Discord pages it', () => {
	it('Given 120 messages, then after/before/around give the closest ones, newest first, and limit is 1–100', async () => {
		const c = await connect();
		const member = fake.user({ username: 'chatty' });
		const ids = fake.memberSays(general, member, 120);
		const page = async (query: Record<string, string>) =>
			(
				(await c.rest.get(Routes.channelMessages(general), { query: new URLSearchParams(query) })) as { id: string }[]
			).map((m) => ids.indexOf(m.id));
		const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i);

		expect(await page({})).toEqual(range(70, 119));
		expect(await page({ after: ids[9]!, limit: '5' })).toEqual(range(10, 14));
		expect(await page({ before: ids[9]!, limit: '5' })).toEqual(range(4, 8));
		expect(await page({ around: ids[60]!, limit: '4' })).toEqual(range(59, 62));
		expect(await page({ after: ids[0]!, limit: '100' })).toEqual(range(1, 100));
		await expect(page({ limit: '101' })).rejects.toThrow(DiscordAPIError);
		await expect(page({ limit: '0' })).rejects.toThrow(DiscordAPIError);
	});
});

describe('fake discord: interaction tokens expire 15 minutes after the interaction', () => {
	it('Given an interaction 15 minutes old, then its callback, @original edit, follow-up and follow-up edit get 401 Invalid Webhook Token', async () => {
		const c = await connect();
		const app = fake.applicationId;
		const answered = fake.interact({ kind: 'command', name: 'ping', guildId: guild.id, channelId: general });
		const late = fake.interact({ kind: 'command', name: 'ping', guildId: guild.id, channelId: general });
		await c.rest.post(Routes.interactionCallback(answered.id, answered.token), {
			body: { type: 4, data: { content: 'pong' } },
			auth: false,
		});
		const followUp = (await c.rest.post(Routes.webhook(app, answered.token), {
			body: { content: 'more' },
			auth: false,
		})) as { id: string };
		const edit = (path: `/${string}`) => c.rest.patch(path, { body: { content: 'edited' }, auth: false });

		fake.clock.advance(INTERACTION_TOKEN_MS - 1_000);
		await edit(Routes.webhookMessage(app, answered.token, '@original'));
		await edit(Routes.webhookMessage(app, answered.token, followUp.id));

		fake.clock.advance(1_000);
		const refusals = await Promise.all(
			[
				c.rest.post(Routes.interactionCallback(late.id, late.token), {
					body: { type: 4, data: { content: 'too late' } },
					auth: false,
				}),
				edit(Routes.webhookMessage(app, answered.token, '@original')),
				c.rest.post(Routes.webhook(app, answered.token), { body: { content: 'again' }, auth: false }),
				edit(Routes.webhookMessage(app, answered.token, followUp.id)),
			].map((request) => request.catch((e: unknown) => e)),
		);
		for (const refusal of refusals) {
			expect(refusal).toBeInstanceOf(DiscordAPIError);
			expect(refusal).toMatchObject({ status: 401, code: 50027 });
		}
		expect(fake.messages(general).map((m) => m.content)).toEqual(['edited', 'edited']);
	});
});

describe('fake discord: injected faults', () => {
	it('Given the connection drops after Discord got a post, then it is stored and the caller sees an error; dropped before, it is not stored', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		fake.failNext({ method: 'POST', path: '/channels/:channel/messages', network: 'after' });
		await expect(channel.send('kept')).rejects.toThrow('other side closed');
		fake.failNext({ method: 'POST', path: '/channels/:channel/messages', network: 'before' });
		await expect(channel.send('lost')).rejects.toThrow('other side closed');
		expect(fake.messages(general).map((m) => m.content)).toEqual(['kept']);
		const posts = fake.requests.filter((r) => r.method === 'POST' && r.route === '/channels/:channel/messages');
		expect(posts.map((r) => [r.status, r.dropped])).toEqual([
			[200, 'after'],
			[0, 'before'],
		]);
	});

	it('Given a Discord error with a code, then the caller gets it as a DiscordAPIError and nothing is posted', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		fake.failNext({ method: 'POST', path: '/channels/:channel/messages', status: 403, code: 50013 });
		await expect(channel.send('refused')).rejects.toMatchObject({ status: 403, code: 50013 });
		expect(fake.messages(general)).toEqual([]);
	});

	it('Given a delay until a promise settles, then Discord answers only after it', async () => {
		const c = await connect();
		const channel = c.channels.cache.get(general) as TextChannel;
		let release = (): void => undefined;
		fake.delay({ method: 'POST', path: '/channels/:channel/messages', until: new Promise<void>((r) => (release = r)) });
		const sent = channel.send('held');
		await fake.waitUntil(() => fake.held.size === 1);
		expect(fake.messages(general)).toEqual([]);
		release();
		await sent;
		expect(fake.messages(general).map((m) => m.content)).toEqual(['held']);
	});
});

describe('TestDiscord: the handler tests’ client, answered by the same core in process', () => {
	it.each([2, 10])(
		'Given a %i-minute nonce window, then a repeat inside it returns the first message and one after it posts anew',
		async (minutes) => {
			const clock = new TestClock(DEFAULT_START);
			const discord = new TestDiscord({ fake: testDiscordCore({ nonceWindowMs: minutes * 60_000 }), now: clock.now });
			const channel = discord.textChannel(CHANNEL_ID);
			const post = () => channel.send({ content: 'daily', nonce: 'daily-1', enforceNonce: true });
			const first = await post();
			clock.advance(minutes * 60_000 - 1);
			expect((await post()).id).toBe(first.id);
			clock.advance(1);
			expect((await post()).id).not.toBe(first.id);
			expect(discord.fake.messages(CHANNEL_ID)).toHaveLength(2);
		},
	);

	it('Given the bot may not read history there, then Discord gives an empty page, and the client knows it lost the permission', async () => {
		const discord = new TestDiscord();
		const channel = discord.textChannel(CHANNEL_ID);
		await channel.send('hello');
		expect((await channel.messages.fetch({ limit: 10, cache: false })).size).toBe(1);
		discord.fake.denyReadHistory(CHANNEL_ID);
		const known = discord.guilds.channel(GUILD_ID, CHANNEL_ID)!;
		expect(discord.guilds.permissionsIn(known).has(PermissionFlagsBits.ReadMessageHistory)).toBe(false);
		expect((await channel.messages.fetch({ limit: 10, cache: false })).size).toBe(0);
	});

	it('Given a message over Discord’s limits, then Discord refuses it with 50035 and records the violation', async () => {
		const discord = new TestDiscord();
		const channel = discord.textChannel(CHANNEL_ID);
		await expect(channel.send({ content: 'x'.repeat(2001) })).rejects.toMatchObject({ status: 400, code: 50035 });
		expect(discord.sent('/messages', 'POST').map((r) => r.status)).toEqual([400]);
		expect(discord.fake.violations.splice(0).map((v) => v.kind)).toEqual(['limits']);
	});
});

describe('fake discord: snowflakes', () => {
	it('Given a frozen clock, then ids stay unique and increasing past 4096 in one millisecond; a clock set back gives older ids', () => {
		const core = new FakeDiscord();
		core.clock.set(Date.parse(DEFAULT_START));
		const ids = Array.from({ length: 5_000 }, () => BigInt(core.world.ids.next()));
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
		core.clock.set(Date.parse(DEFAULT_START) - 60_000);
		expect(snowflakeTime(core.world.ids.next())).toBe(Date.parse(DEFAULT_START) - 60_000);
	});
});
