import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, PermissionFlagsBits, Routes } from 'discord.js';
import type { Interaction, TextChannel } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord } from './fake-discord/index.js';
import type { FakeDiscord, Guild } from './fake-discord/index.js';

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

	it('sends GUILD_CREATE for many large guilds', async () => {
		const started = Date.now();
		fake.addGuilds(1_000, (i) => ({
			name: `g${i}`,
			channels: Array.from({ length: 20 }, (_, n) => ({ name: `c${n}` })),
			roles: Array.from({ length: 18 }, (_, n) => ({ name: `r${n}` })),
		}));
		const c = await connect();
		expect(c.guilds.cache.size).toBe(1_001);
		expect(Date.now() - started).toBeLessThan(15_000);
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
