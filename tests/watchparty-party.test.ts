import { MessageFlags, PermissionFlagsBits, RESTJSONErrorCodes, type PermissionResolvable } from 'discord.js';
import { describe, expect, inject, onTestFinished, test, vi } from 'vitest';
import herWatchparty from '../commands/her-watchparty.js';
import { COMMANDS } from '../commands/index.js';
import { encodeCustomId } from '../src/custom-id.js';
import { common } from '../src/i18n/common.js';
import { BOT_PERMISSIONS } from '../src/permissions.js';
import { createRouter } from '../src/router.js';
import { loadDataset } from '../src/dataset/load.js';
import { watchPartyText } from '../src/watchparty/messages.js';
import { partyStore, runWatchParties, settleWatchParties } from '../src/watchparty/engine.js';
import { WRAP_UP_PENDING_MS } from '../src/watchparty/store.js';
import { LATE_AFTER_MS, MINUTE_MS, sortedBeats } from '../src/watchparty/timeline.js';
import { isDatabaseUnavailable, type DatabaseLocation } from '../src/store/database.js';
import { createTestContext } from './support/context.js';
import { startCuttableProxy, type CuttableProxy } from './support/cuttable-proxy.js';
import { DATABASE_KINDS, createPostgresDatabase, newDatabaseLocation } from './support/databases.js';
import { CHANNEL_ID, GUILD_ID, TestDiscord, THREAD_ID, USER_ID, type RecordedRequest } from './support/discord.js';

const HOST = USER_ID;
const GUEST = '400000000000000002';
const MODERATOR = '400000000000000003';
const START = '2025-05-14T11:00:00.000Z';

// The beats are the dataset's (data/watch-party.json): their minutes and count are read, not hard-coded.
const PLAN = loadDataset().watchParty;
const BEATS = PLAN.beats.length;
const minuteOf = (id: string) => PLAN.beats.find((beat) => beat.id === id)!.minute;
const beatsBetween = (from: number, to: number) =>
	PLAN.beats.filter((beat) => beat.minute >= from && beat.minute <= to).map((beat) => beat.id);

/**
 * The command's handlers against the TestDiscord (the fake Discord's REST core in process, on the test's
 * clock). Faults come from that Discord (`discord.fake.failNext`, a thread archived on Discord's side). What
 * the engine decides is tested without Discord (watchparty-planner.test.ts), and how it behaves against
 * Discord's faults over HTTP end to end (e2e/watchparty.e2e.test.ts).
 */
async function setup(
	options: {
		language?: 'ko' | 'en' | 'both';
		/** A database other bot processes of the test share (a restart, or a second host). */
		shared?: DatabaseLocation;
		start?: string;
		preferredLocale?: string;
		botPermissions?: PermissionResolvable;
	} = {},
) {
	const { ctx, clock, db } = await createTestContext({ start: options.start ?? START, shared: options.shared });
	const discord = new TestDiscord({
		preferredLocale: options.preferredLocale ?? 'en-US',
		botPermissions: options.botPermissions,
		now: ctx.now,
		guilds: ctx.guilds,
	});
	if (options.language) await ctx.settings.setLanguage(GUILD_ID, options.language, ctx.now());
	const route = createRouter(COMMANDS, ctx);
	const tick = async () => {
		await runWatchParties(discord.client, ctx);
		await settleWatchParties(ctx);
	};
	/** Moves the clock in steps of `stepMs`, running the engine after each, as the 1-second job does. */
	const run = async (totalMs: number, stepMs = 1000) => {
		for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
			clock.advance(Math.min(stepMs, totalMs - elapsed));
			await tick();
		}
	};
	return {
		ctx,
		clock,
		db,
		discord,
		route,
		tick,
		run,
	};
}

type Harness = Awaited<ReturnType<typeof setup>>;

/** The last answer to an interaction (its callback, an edit of it or a follow-up): what the caller saw last. */
function lastReply(discord: TestDiscord) {
	const answer = discord.requests
		.filter((request) => /\/interactions\/|\/webhooks\//.test(request.route) && request.method !== 'GET')
		.at(-1);
	if (!answer) throw new Error('no interaction was answered');
	return answer.route.endsWith('/callback') ? answer.body.data : answer.body;
}

/** Whether the interaction's first answer was private to the caller (a reply or a deferral). */
const firstAnswerEphemeral = (discord: TestDiscord) =>
	(discord.sent('/callback').at(-1)!.body.data?.flags & MessageFlags.Ephemeral) !== 0;

function posts(discord: TestDiscord, channelId: string): RecordedRequest[] {
	return discord.requests.filter(
		(request) => request.method === 'POST' && request.route === `/channels/${channelId}/messages`,
	);
}

/** What members see in a channel on Discord's side (not the replies only the caller sees). */
const publicMessages = (discord: TestDiscord, channelId: string) =>
	discord.fake.messages(channelId).filter((message) => ((message.flags as number) & MessageFlags.Ephemeral) === 0);

function edits(discord: TestDiscord, channelId: string, messageId: string | null): any[] {
	return discord.requests
		.filter((request) => request.method === 'PATCH' && request.route === `/channels/${channelId}/messages/${messageId}`)
		.map((request) => request.body);
}

const beatPosts = (discord: TestDiscord, threadId: string) =>
	posts(discord, threadId).filter((request) => request.body.embeds?.[0]?.footer?.text?.startsWith('beat-'));

/** The host may open threads and create events, so the bot may do both for them. */
const HOST_RIGHTS = { memberPermissions: [PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.CreateEvents] };

async function startParty(harness: Harness, input: Record<string, unknown> = {}, options = {}) {
	await control(harness, 'start', input, options);
	const party = await partyStore(harness.ctx).activeFor(CHANNEL_ID);
	if (!party?.threadId) throw new Error(`no party was started: ${JSON.stringify(lastReply(harness.discord))}`);
	return party;
}

function control(harness: Harness, subcommand: string, input: Record<string, unknown> = {}, options = {}) {
	return harness.route(
		harness.discord.chatInput(herWatchparty, { subcommand, ...input }, { ...HOST_RIGHTS, ...options }),
	);
}

describe('/her-watchparty start', () => {
	test('Given a text channel, then a thread opens from the announcement with a welcome card, controls and a countdown', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { title: 'Friday film' });
		const { discord } = harness;

		const threadRequest = discord.sent(/\/messages\/\d+\/threads$/, 'POST')[0]!;
		expect(threadRequest.body).toMatchObject({ name: 'Her watch party · Friday film', auto_archive_duration: 1440 });
		const [posted] = posts(discord, CHANNEL_ID);
		expect(posted!.body.content).toContain('Her watch party');
		const announcement = edits(discord, CHANNEL_ID, party.announceMessageId).at(-1);
		expect(announcement.content).toContain(`<#${party.threadId}>`);
		expect(firstAnswerEphemeral(discord)).toBe(true);
		expect(lastReply(discord).content).toBe(`Your watch party is set up in <#${party.threadId}>.`);
		expect(announcement.content).toContain('Friday film');
		expect(announcement.allowed_mentions).toEqual({ parse: [] });

		const [welcome, controls, countdown] = posts(discord, party.threadId!).map((request) => request.body);
		expect(welcome.embeds[0].title).toBe('Welcome to the watch party');
		expect(welcome.embeds[0].fields.map((field: { name: string }) => field.name)).toEqual([
			'Spoiler etiquette',
			'Before we start',
			'Participants (1)',
		]);
		expect(welcome.embeds[0].fields[2].value).toBe(`<@${HOST}>`);
		expect(welcome.embeds[1].title).toBe('Her (2013)');
		expect(welcome.components[0].components.map((button: { label: string }) => button.label)).toEqual([
			'Join',
			'Leave',
		]);
		expect(welcome.components[0].components[0].custom_id).toBe(encodeCustomId('her-watchparty', 'join', party.id));
		expect(controls.components[0].components.map((button: { label: string }) => button.label)).toEqual([
			'Next',
			'Pause',
			'End',
		]);
		const startUnix = Math.floor(party.timeline.startAt / 1000);
		expect(countdown.content).toContain(`<t:${startUnix}:R>`);
		expect(party.status).toBe('running');
		expect(party.timeline.startAt).toBe(Date.parse(START) + 10_000);
	});

	test('Given in 30 and Manage Events, then a Scheduled Event starts with the party and points at the thread', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { in: 30 });
		const event = harness.discord.sent(/\/scheduled-events$/, 'POST')[0]!.body;
		expect(event).toMatchObject({
			scheduled_start_time: new Date(Date.parse(START) + 30 * MINUTE_MS).toISOString(),
			scheduled_end_time: new Date(Date.parse(START) + (30 + 126) * MINUTE_MS).toISOString(),
			privacy_level: 2,
			entity_type: 3,
			entity_metadata: { location: `https://discord.com/channels/${GUILD_ID}/${party.threadId}` },
		});
		expect(event.name).toMatch(/^Her watch party · 2025-05-14$/);
		expect((await partyStore(harness.ctx).get(party.id))!.eventId).toBeTruthy();
	});

	test('Given in 30 without Manage Events, then the host is told so and the party still starts', async () => {
		const harness = await setup();
		const permissions = [
			PermissionFlagsBits.ViewChannel,
			PermissionFlagsBits.SendMessages,
			PermissionFlagsBits.SendMessagesInThreads,
			PermissionFlagsBits.EmbedLinks,
			PermissionFlagsBits.CreatePublicThreads,
		];
		const party = await startParty(harness, { in: 30 }, { appPermissions: permissions });
		expect(harness.discord.sent(/scheduled-events/)).toEqual([]);
		const notice = harness.discord.responses().at(-1);
		expect(notice.content).toContain('Manage Events');
		expect(notice.flags).toBe(MessageFlags.Ephemeral);
		expect(party.status).toBe('running');
	});

	test('Given a host who may not create public threads here, then only they are told so, in Korean, and nothing is posted', async () => {
		const harness = await setup();
		await control(harness, 'start', { in: 30 }, { memberPermissions: 0n, locale: 'ko' });
		expect(firstAnswerEphemeral(harness.discord)).toBe(true);
		expect(lastReply(harness.discord).content).toBe(common.ko.memberNeeds('공개 스레드 만들기', `<#${CHANNEL_ID}>`));
		expect(posts(harness.discord, CHANNEL_ID)).toEqual([]);
		expect(harness.discord.sent(/scheduled-events/)).toEqual([]);
		expect(await partyStore(harness.ctx).activeFor(CHANNEL_ID)).toBeUndefined();
	});

	test('Given in 30 by a host who may not create events, then the party starts without one and only they are told why', async () => {
		const harness = await setup();
		const party = await startParty(harness, { in: 30 }, { memberPermissions: PermissionFlagsBits.CreatePublicThreads });
		expect(harness.discord.sent(/scheduled-events/)).toEqual([]);
		expect(harness.discord.responses().at(-1)).toMatchObject({
			content: watchPartyText.en.noEventRight,
			flags: MessageFlags.Ephemeral,
		});
		expect(party.status).toBe('running');
	});

	test('Given a party already running here, then a second start links to it, from the channel or its thread', async () => {
		const harness = await setup();
		const party = await startParty(harness);
		await control(harness, 'start');
		expect(firstAnswerEphemeral(harness.discord)).toBe(true);
		expect(lastReply(harness.discord).content).toContain(`already running here: <#${party.threadId}>`);
		await control(harness, 'start', {}, { channelId: party.threadId });
		expect(lastReply(harness.discord).content).toContain(`<#${party.threadId}>`);
		expect(harness.discord.sent(/\/threads$/, 'POST')).toHaveLength(1);
	});

	test('Given a title with mentions and markdown, then nobody can be mentioned and it shows as typed, cut to fit', async () => {
		const harness = await setup({ language: 'en' });
		const title = '@everyone <@123456789012345678> **loud** ' + 'x'.repeat(60);
		const party = await startParty(harness, { title });
		const name: string = harness.discord.sent(/\/messages\/\d+\/threads$/, 'POST')[0]!.body.name;
		expect(name.length).toBeLessThanOrEqual(100);
		expect(name).not.toMatch(/@everyone|<@\d/);
		const welcome = posts(harness.discord, party.threadId!)[0]!.body;
		expect(welcome.embeds[0].description).toContain('@\u200beveryone <@\u200b123456789012345678> \\*\\*loud\\*\\*');
		expect(welcome.allowed_mentions).toEqual({ parse: [] });
	});

	test('Given the bot cannot create threads here, then the caller is told what is missing and nothing is set up', async () => {
		const harness = await setup();
		const permissions = [
			PermissionFlagsBits.ViewChannel,
			PermissionFlagsBits.SendMessages,
			PermissionFlagsBits.EmbedLinks,
		];
		await control(harness, 'start', {}, { appPermissions: permissions, locale: 'ko' });
		expect(firstAnswerEphemeral(harness.discord)).toBe(true);
		expect(lastReply(harness.discord).content).toContain('공개 스레드 만들기');
		expect(await partyStore(harness.ctx).activeFor(CHANNEL_ID)).toBeUndefined();
	});

	test('Given a bilingual server, then the thread name and buttons are Korean first, then English', async () => {
		const harness = await setup({ language: 'both' });
		const party = await startParty(harness);
		expect(harness.discord.sent(/\/messages\/\d+\/threads$/, 'POST')[0]!.body.name).toBe(
			'〈그녀〉 같이 보기 · Her watch party · 2025-05-14',
		);
		const welcome = posts(harness.discord, party.threadId!)[0]!.body;
		expect(welcome.components[0].components[0].label).toBe('참여 · Join');
	});
});

describe('a start that fails half-way', () => {
	const threadPosts = new RegExp(`^/channels/(?!${CHANNEL_ID}/)\\d+/messages$`);
	/** Discord answers 500 to a matching request and to each of discord.js's own retries, so the bot sees it fail. */
	const serverError = (harness: Harness, match: { method: string; path: string | RegExp; after: number }) =>
		harness.discord.fake.failNext({ ...match, status: 500, count: harness.discord.client.rest.options.retries + 1 });

	test('Given a bot as invited (no Manage Threads) and Discord failing the host controls in the new thread, then the welcome card is deleted, the thread archived, the announcement deleted, and the host told the truth', async () => {
		const harness = await setup({ language: 'en' });
		serverError(harness, { method: 'POST', path: threadPosts, after: 1 });
		await control(harness, 'start');

		const [created] = harness.discord.fake.threads(CHANNEL_ID).filter((thread) => thread.id !== THREAD_ID);
		expect(created).toBeDefined();
		expect(created!.thread_metadata.archived).toBe(true);
		expect(harness.discord.fake.messages(String(created!.id))).toEqual([]);
		expect(publicMessages(harness.discord, CHANNEL_ID)).toEqual([]);
		expect(lastReply(harness.discord).content).toBe(
			'I could not start the watch party: Discord did not accept the welcome card and host controls. I removed what I had posted; please try again in a moment.',
		);
		expect(await partyStore(harness.ctx).activeFor(CHANNEL_ID)).toBeUndefined();
	});

	// With Manage Threads (which the invite does not ask for) the failed start's thread is deleted outright.
	test('Given a bot with Manage Threads and Discord failing the host controls in the new thread, then the thread and the announcement are deleted, the host is told in Korean, only to them, and the channel is free', async () => {
		const harness = await setup({
			language: 'en',
			botPermissions: [...BOT_PERMISSIONS, PermissionFlagsBits.ManageThreads],
		});
		serverError(harness, { method: 'POST', path: threadPosts, after: 1 });
		await control(harness, 'start', {}, { locale: 'ko' });

		const [thread] = harness.discord.sent(/\/messages\/\d+\/threads$/, 'POST');
		expect(thread).toBeDefined();
		const [announced] = posts(harness.discord, CHANNEL_ID);
		expect(announced!.body.content).toContain('Her watch party');
		const deleted = harness.discord.requests.filter((request) => request.method === 'DELETE').map((r) => r.route);
		expect(deleted).toHaveLength(2);
		expect(deleted[0]).toMatch(/^\/channels\/\d+$/);
		expect(deleted[1]).toMatch(new RegExp(`^/channels/${CHANNEL_ID}/messages/\\d+$`));
		expect(harness.discord.fake.threads(CHANNEL_ID).map((thread) => thread.id)).toEqual([THREAD_ID]);
		expect(publicMessages(harness.discord, CHANNEL_ID)).toEqual([]);
		expect(firstAnswerEphemeral(harness.discord)).toBe(true);
		expect(harness.discord.sent('/callback')).toHaveLength(1);
		expect(lastReply(harness.discord).content).toBe(
			'같이 보기를 시작하지 못했어요: Discord가 환영 카드와 호스트 컨트롤을 받아 주지 않았어요. 올렸던 메시지는 지웠어요. 잠시 후 다시 해 보세요.',
		);
		expect(await partyStore(harness.ctx).activeFor(CHANNEL_ID)).toBeUndefined();

		await startParty(harness);
		expect((await partyStore(harness.ctx).activeFor(CHANNEL_ID))?.status).toBe('running');
	});

	test('Given Discord refuses to open the thread, then the announcement is deleted and the host is told what failed', async () => {
		const harness = await setup({ language: 'en' });
		harness.discord.fake.failNext({
			method: 'POST',
			path: '/channels/:channel/messages/:message/threads',
			status: 403,
			code: RESTJSONErrorCodes.MissingPermissions,
		});
		await control(harness, 'start');
		const [announced] = posts(harness.discord, CHANNEL_ID);
		expect(harness.discord.requests.filter((request) => request.method === 'DELETE').map((r) => r.route)).toEqual([
			expect.stringMatching(new RegExp(`^/channels/${CHANNEL_ID}/messages/\\d+$`)),
		]);
		expect(announced).toBeDefined();
		expect(publicMessages(harness.discord, CHANNEL_ID)).toEqual([]);
		expect(firstAnswerEphemeral(harness.discord)).toBe(true);
		expect(lastReply(harness.discord).content).toBe(
			'I could not start the watch party: Discord did not let me open its thread. I removed what I had posted; please try again in a moment.',
		);
		expect(await partyStore(harness.ctx).activeFor(CHANNEL_ID)).toBeUndefined();
	});

	test('Given a start inside a thread whose countdown post fails, then the posts are deleted one by one and the thread itself is left alone', async () => {
		const harness = await setup({ language: 'en' });
		const inThread = '300000000000000099';
		serverError(harness, { method: 'POST', path: `/channels/${inThread}/messages`, after: 3 });
		await harness.route(harness.discord.chatInput(herWatchparty, { subcommand: 'start' }, { channelId: inThread }));
		const deleted = harness.discord.requests.filter((request) => request.method === 'DELETE').map((r) => r.route);
		expect(deleted).toHaveLength(3);
		expect(deleted.every((route) => route.startsWith(`/channels/${inThread}/messages/`))).toBe(true);
		expect(publicMessages(harness.discord, inThread)).toEqual([]);
		expect(lastReply(harness.discord).content).toContain('Discord did not accept the welcome card and host controls');
		expect(await partyStore(harness.ctx).activeFor(inThread)).toBeUndefined();
	});
});

describe('the scheduled event follows the start', () => {
	const eventTimes = (harness: Harness) =>
		harness.discord
			.sent(/\/scheduled-events\/\d+$/, 'PATCH')
			.filter((request) => request.body.scheduled_start_time !== undefined)
			.map((request) => [request.body.scheduled_start_time, request.body.scheduled_end_time]);
	const minutesAfterStart = (minutes: number) => new Date(Date.parse(START) + minutes * MINUTE_MS).toISOString();

	test('Given in 30, when the host pauses at minute 5 for 10 minutes, then the event moves to the new press-play time', async () => {
		const harness = await setup({ language: 'en' });
		await startParty(harness, { in: 30 });
		await harness.run(5 * MINUTE_MS, 60_000);
		await control(harness, 'pause');
		expect(eventTimes(harness)).toEqual([]);
		await harness.run(10 * MINUTE_MS, 60_000);
		await control(harness, 'resume');
		expect(eventTimes(harness)).toEqual([[minutesAfterStart(40), minutesAfterStart(40 + 126)]]);
	});

	test('Given in 30, when the host seeks to minute 100 before the start, then the event ends with the film from there', async () => {
		const harness = await setup({ language: 'en' });
		await startParty(harness, { in: 30 });
		await control(harness, 'seek', { minute: 100 });
		expect(eventTimes(harness)).toEqual([[minutesAfterStart(30), minutesAfterStart(30 + 26)]]);
	});

	test('Given in 30 and paused, when the host presses the Next button, then the event follows; the Resume button moves it again', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { in: 30 });
		const press = (action: string) =>
			harness.route(
				harness.discord.button(encodeCustomId('her-watchparty', action, party.id), { channelId: party.threadId! }),
			);
		await press('pause');
		await press('next');
		expect(eventTimes(harness)).toEqual([[minutesAfterStart(30), minutesAfterStart(30 + 124)]]);
		await harness.run(20 * MINUTE_MS, 60_000);
		await press('resume');
		expect(eventTimes(harness).at(-1)).toEqual([minutesAfterStart(50), minutesAfterStart(50 + 124)]);
	});

	test('Given in 30, when the host presses Next during the countdown, then the event is started, not moved', async () => {
		const harness = await setup({ language: 'en' });
		await startParty(harness, { in: 30 });
		await control(harness, 'next');
		await harness.tick();
		expect(eventTimes(harness)).toEqual([]);
		expect(harness.discord.sent(/\/scheduled-events\/\d+$/, 'PATCH').map((request) => request.body)).toEqual([
			{ status: 2 },
		]);
	});

	test('Given Discord refuses to move the event, then the resume still happens, the host is answered and it is logged', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { in: 30 });
		const warn = vi.spyOn(harness.ctx.logger, 'warn');
		await control(harness, 'pause');
		await harness.run(10 * MINUTE_MS, 60_000);
		harness.discord.fake.failNext({
			method: 'PATCH',
			path: '/guilds/:guild/scheduled-events/:event',
			status: 400,
			code: RESTJSONErrorCodes.InvalidFormBodyOrContentType,
		});
		await control(harness, 'resume');
		expect(lastReply(harness.discord).content).toBe('Resumed from 0:00.');
		expect((await partyStore(harness.ctx).get(party.id))!.timeline.pausedAt).toBeNull();
		expect(warn).toHaveBeenCalledWith(
			expect.objectContaining({ partyId: party.id }),
			'could not move the scheduled event',
		);
		await harness.run(30 * MINUTE_MS, 60_000);
		expect((await partyStore(harness.ctx).get(party.id))!.status).toBe('running');
	});
});

describe('a bilingual server', () => {
	test('Given language both, then the countdown, a late beat and the wrap-up read Korean first, then English, without repeats', async () => {
		const harness = await setup({ language: 'both' });
		const party = await startParty(harness, { in: 1 });
		const countdown = posts(harness.discord, party.threadId!)[2]!.body.content as string;
		const startUnix = Math.floor(party.timeline.startAt / 1000);
		expect(countdown).toBe(
			`⏳ <t:${startUnix}:R> 재생 (<t:${startUnix}:t>)\n⏳ Press play <t:${startUnix}:R> (<t:${startUnix}:t>)`,
		);
		await harness.run(MINUTE_MS);
		expect(edits(harness.discord, party.threadId!, party.countdownMessageId).map((body) => body.content)).toEqual([
			'**3…**',
			'**2…**',
			'**1…**',
			'▶️ **지금 재생하세요!**\n▶️ **Press play now!**',
		]);

		const guild = harness.discord.client.guilds.cache.get(GUILD_ID)!;
		harness.discord.client.guilds.cache.delete(GUILD_ID);
		await harness.run(4 * MINUTE_MS, MINUTE_MS);
		harness.discord.client.guilds.cache.set(GUILD_ID, guild);
		await harness.tick();
		const beat = beatPosts(harness.discord, party.threadId!)[0]!.body.embeds[0];
		const plan = harness.ctx.dataset.watchParty.beats.find((candidate) => candidate.id === 'beat-letters')!;
		expect(beat.title).toBe('⏱ 2분 · Minute 2');
		expect(beat.description.startsWith(`**||${plan.title.ko}||**`)).toBe(true);
		expect(beat.description.indexOf(plan.title.ko)).toBeLessThan(beat.description.indexOf(plan.title.en));
		expect(beat.description.split('\n').slice(-4)).toEqual([
			'-# 늦게 올렸어요: 영화가 이 지점에 왔을 때 제가 오프라인이었어요.',
			'-# Posted late: I was offline when the film got here.',
			'-# 아직 이 장면에 오지 않은 분을 위해 가려 두었어요. 눌러서 보세요.',
			'-# Hidden for anyone not at this scene yet: click or tap to reveal.',
		]);

		await control(harness, 'end');
		const wrapUp = posts(harness.discord, party.threadId!).at(-1)!.body;
		expect(wrapUp.embeds.map((embed: { title: string }) => embed.title)).toEqual([
			'영화가 끝난 뒤 · After the film',
			'요약 · Summary',
		]);
		expect(wrapUp.embeds[0].description.startsWith('함께 봐 주셔서 고마워요.')).toBe(true);
		expect(wrapUp.embeds[0].description).toContain('\n\nThank you for watching together.');
		expect(wrapUp.embeds[1].description).toBe(
			[
				`참여: <@${HOST}>`,
				'진행 시간: 4분',
				`올린 지점: ${BEATS}개 중 1개`,
				'호스트가 끝냈어요.',
				'',
				`Joined: <@${HOST}>`,
				'Ran for 4 min',
				`Beats posted: 1 of ${BEATS}`,
				'Ended by the host.',
			].join('\n'),
		);
	});
});

describe('where a party runs', () => {
	test('Given a start inside a thread, then the party runs right there, without a thread of its own', async () => {
		const harness = await setup({ language: 'en' });
		const inThread = '300000000000000099';
		await harness.route(harness.discord.chatInput(herWatchparty, { subcommand: 'start' }, { channelId: inThread }));
		const party = (await partyStore(harness.ctx).activeFor(inThread))!;
		expect(party).toMatchObject({ status: 'running', threadId: inThread, channelId: inThread });
		expect(harness.discord.sent(/\/threads$/, 'POST')).toEqual([]);
		expect(posts(harness.discord, inThread).map((request) => request.body.embeds?.[0]?.title)).toEqual([
			undefined,
			'Welcome to the watch party',
			undefined,
			undefined,
		]);
	});

	test('Given a party running inside a thread, then status links its announcement there and calls it the party, not a thread', async () => {
		const harness = await setup({ language: 'en' });
		const inThread = '300000000000000099';
		await harness.route(harness.discord.chatInput(herWatchparty, { subcommand: 'start' }, { channelId: inThread }));
		const party = (await partyStore(harness.ctx).activeFor(inThread))!;
		await control(harness, 'status', {}, { channelId: inThread, locale: 'ko' });
		expect(lastReply(harness.discord).content).toContain(
			`같이 보기: https://discord.com/channels/${GUILD_ID}/${inThread}/${party.announceMessageId} · 호스트 <@${HOST}>`,
		);
		expect(lastReply(harness.discord).content).not.toContain('스레드');
	});

	test('Given the thread auto-archived before a start a day away, then the bot reopens it and the countdown goes on', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { in: 1440 });
		harness.discord.fake.archiveThread(party.threadId!);
		await harness.run(1440 * MINUTE_MS - 3000, 60_000);
		await harness.run(3000);
		expect(harness.discord.sent(`/channels/${party.threadId}`, 'PATCH').some((r) => r.body?.archived === false)).toBe(
			true,
		);
		expect(edits(harness.discord, party.threadId!, party.countdownMessageId).at(-1).content).toBe(
			'▶️ **Press play now!**',
		);
		expect((await partyStore(harness.ctx).get(party.id))!.status).toBe('running');
	});
});

describe('controls', () => {
	test('Given a member who is neither host nor event manager, then pause is refused and nothing changes', async () => {
		const harness = await setup();
		const party = await startParty(harness);
		await control(harness, 'pause', {}, { userId: GUEST });
		expect(lastReply(harness.discord)).toMatchObject({ flags: MessageFlags.Ephemeral });
		expect(lastReply(harness.discord).content).toContain(`Only the host (<@${HOST}>)`);
		expect((await partyStore(harness.ctx).get(party.id))!.timeline.pausedAt).toBeNull();
	});

	test('Given the host pauses at minute 10 for 30 minutes, then the next beat waits and comes as long after resume as it had left', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		await harness.run(10_000 + 10 * MINUTE_MS, 15_000);
		expect(beatPosts(harness.discord, party.threadId!).map((request) => request.body.embeds[0].footer.text)).toEqual([
			'beat-letters',
		]);
		await control(harness, 'pause');
		expect(lastReply(harness.discord).content).toBe('Paused at 10:00. Every later beat waits.');
		const notice = posts(harness.discord, party.threadId!).at(-1)!.body;
		expect(notice.content).toBe(`⏸ <@${HOST}> paused the party at 10:00. Pause your player too.`);
		await control(harness, 'pause');
		expect(lastReply(harness.discord).content).toContain('already paused');

		await harness.run(30 * MINUTE_MS, 60_000);
		expect(beatPosts(harness.discord, party.threadId!)).toHaveLength(1);
		await control(harness, 'resume', {}, { userId: MODERATOR, memberPermissions: PermissionFlagsBits.ManageEvents });
		expect(lastReply(harness.discord).content).toBe('Resumed from 10:00.');
		await harness.run((minuteOf('beat-meeting-samantha') - 10) * MINUTE_MS - 1000);
		expect(beatPosts(harness.discord, party.threadId!)).toHaveLength(1);
		await harness.run(1000);
		expect(beatPosts(harness.discord, party.threadId!).at(-1)!.body.embeds[0].footer.text).toBe(
			'beat-meeting-samantha',
		);
	});

	test('Given next, then the next beat posts on the next tick and the following ones are re-timed from its minute', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness, { at: 3 });
		await harness.run(10_000);
		await control(harness, 'next');
		expect(lastReply(harness.discord).content).toBe(
			`Posting the minute-${minuteOf('beat-meeting-samantha')} beat now; the rest are re-timed from there.`,
		);
		expect(posts(harness.discord, party.threadId!).at(-1)!.body.content).toBe(
			`⏭ <@${HOST}> brought up the next beat (minute ${minuteOf('beat-meeting-samantha')}) early; the beats after it are timed from there.`,
		);
		await harness.tick();
		expect(beatPosts(harness.discord, party.threadId!).map((r) => r.body.embeds[0].footer.text)).toEqual([
			'beat-meeting-samantha',
		]);
		await harness.run((minuteOf('beat-growing-close') - minuteOf('beat-meeting-samantha')) * MINUTE_MS - 1000, 60_000);
		expect(beatPosts(harness.discord, party.threadId!)).toHaveLength(1);
		await harness.run(1000);
		expect(beatPosts(harness.discord, party.threadId!).at(-1)!.body.embeds[0].footer.text).toBe('beat-growing-close');
	});

	test('Given seek 100, then the beats jumped over are never posted and the thread is told where the party is', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		await harness.run(10_000 + 5 * MINUTE_MS, 30_000);
		await control(harness, 'seek', { minute: 100 });
		expect(posts(harness.discord, party.threadId!).at(-1)!.body.content).toBe(
			`⏩ <@${HOST}> moved the party to 100:00. Move your player there too.`,
		);
		await harness.run(10 * MINUTE_MS, 30_000);
		expect(beatPosts(harness.discord, party.threadId!).map((r) => r.body.embeds[0].footer.text)).toEqual([
			'beat-letters',
			...beatsBetween(100, 110),
		]);
	});

	test('Given the Pause button, then the control message swaps Pause for Resume and the thread is told', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		await harness.route(
			harness.discord.button(encodeCustomId('her-watchparty', 'pause', party.id), { channelId: party.threadId! }),
		);
		const update = harness.discord.sent('/callback').at(-1)!.body.data;
		expect(update.components[0].components.map((button: { label: string }) => button.label)).toEqual([
			'Next',
			'Resume',
			'End',
		]);
		expect(update.content).toContain('Paused at 0:00');
		expect(harness.discord.responses().at(-1).content).toContain('paused the party at 0:00');
	});

	test.each([
		{ how: '/her-watchparty end', press: false },
		{ how: 'the End button', press: true },
	])(
		'Given the host ends the party with $how, then Discord is answered (privately, deferred) before any of the wrap-up work, and the host then reads that it ended, in Korean',
		async ({ press }) => {
			const harness = await setup({ language: 'en' });
			const party = await startParty(harness);
			await harness.run(10_000 + 5 * MINUTE_MS, 30_000);
			const from = harness.discord.requests.length;
			const options = { channelId: party.threadId!, locale: 'ko' };
			await harness.route(
				press
					? harness.discord.button(encodeCustomId('her-watchparty', 'end', party.id), options)
					: harness.discord.chatInput(herWatchparty, { subcommand: 'end' }, options),
			);
			const [first, ...work] = harness.discord.requests.slice(from);
			expect(first!.route).toMatch(/\/callback$/);
			expect(first!.body).toEqual({ type: 5, data: { flags: MessageFlags.Ephemeral } });
			expect(work.some((request) => request.route === `/channels/${party.threadId}/messages`)).toBe(true);
			expect(work.at(-1)!.route).toMatch(/\/messages\/@original$/);
			expect(lastReply(harness.discord).content).toBe('같이 보기를 끝냈어요. 마무리는 스레드에 있어요.');
			expect(edits(harness.discord, party.threadId!, party.controlMessageId).at(-1).components).toEqual([]);
		},
	);

	test.each([
		{ how: '/her-watchparty pause', press: false },
		{ how: 'the Pause button', press: true },
	])('Given the host pauses with $how, then Discord is answered before the notice is posted', async ({ press }) => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		const from = harness.discord.requests.length;
		const options = { channelId: party.threadId! };
		await harness.route(
			press
				? harness.discord.button(encodeCustomId('her-watchparty', 'pause', party.id), options)
				: harness.discord.chatInput(herWatchparty, { subcommand: 'pause' }, options),
		);
		const [first, ...rest] = harness.discord.requests.slice(from);
		expect(first!.route).toMatch(/\/callback$/);
		expect(rest.map((request) => request.body?.content).filter(Boolean)).toContainEqual(
			expect.stringContaining('paused the party at 0:00'),
		);
	});

	test('Given a subcommand this bot no longer has (stale command registration), then the caller is told the command is unknown, not that a button expired', async () => {
		const harness = await setup();
		const interaction = harness.discord.chatInput(herWatchparty, { subcommand: 'status' }, { locale: 'ko' });
		vi.spyOn(interaction.options, 'getSubcommand').mockReturnValue('rewind');
		await harness.route(interaction);
		expect(lastReply(harness.discord)).toMatchObject({
			content: common.ko.unknownCommand,
			flags: MessageFlags.Ephemeral,
		});
	});

	test('Given status, then anyone sees where the party is, only to themselves', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		await harness.run(10_000 + 42 * MINUTE_MS + 10_000, 60_000);
		await control(harness, 'status', {}, { userId: GUEST });
		const reply = lastReply(harness.discord);
		expect(reply.flags).toBe(MessageFlags.Ephemeral);
		expect(reply.content).toContain('Playing, at 42:10 now.');
		expect(reply.content).toContain(`Thread: <#${party.threadId}> · host <@${HOST}> · 1 joined`);
	});

	test('Given no party in the channel, then a control says how to start one', async () => {
		const harness = await setup();
		await control(harness, 'next', {}, { locale: 'ko' });
		expect(lastReply(harness.discord).content).toContain('/her-watchparty start');
		expect(lastReply(harness.discord).content).toContain('같이 보기가 없어요');
	});
});

describe('join and leave', () => {
	test('Given Join then Leave, then the welcome card lists the member, then no longer does', async () => {
		const harness = await setup({ language: 'en' });
		const party = await startParty(harness);
		const press = (action: string) =>
			harness.route(
				harness.discord.button(encodeCustomId('her-watchparty', action, party.id), {
					userId: GUEST,
					channelId: party.threadId!,
				}),
			);
		await press('join');
		let welcome = lastReply(harness.discord);
		expect(welcome.embeds[0].fields.at(-1)).toEqual({ name: 'Participants (2)', value: `<@${HOST}> <@${GUEST}>` });
		await press('join');
		expect(await partyStore(harness.ctx).members(party.id)).toEqual([HOST, GUEST]);
		await press('leave');
		welcome = lastReply(harness.discord);
		expect(welcome.embeds[0].fields.at(-1)).toEqual({ name: 'Participants (1)', value: `<@${HOST}>` });
	});

	test('Given an ended party, then its Join button says the party has ended', async () => {
		const harness = await setup();
		const party = await startParty(harness);
		await control(harness, 'end');
		await harness.route(
			harness.discord.button(encodeCustomId('her-watchparty', 'join', party.id), { userId: GUEST, locale: 'en-US' }),
		);
		expect(lastReply(harness.discord)).toMatchObject({
			content: 'This watch party has ended.',
			flags: MessageFlags.Ephemeral,
		});
	});
});

/** The beats members see in the thread, whichever process posted them, with whether each says it is late. */
const beatsInThread = (discord: TestDiscord, threadId: string) =>
	publicMessages(discord, threadId)
		.filter((message) => String(message.embeds?.[0]?.footer?.text).startsWith('beat-'))
		.map((message) => ({
			beat: message.embeds[0].footer.text,
			late: String(message.embeds[0].description).includes('Posted late'),
		}));

describe.each(DATABASE_KINDS)('a bot restarted on its %s database', (kind) => {
	test('Given the bot is down over three beats, then the one that takes over posts each of them once, marked late, and the next on time', async () => {
		const shared = await newDatabaseLocation(kind);
		const first = await setup({ language: 'en', shared });
		const party = await startParty(first);
		await first.run(10_000, 5000);
		const [one, two, three, four] = sortedBeats(PLAN);
		// The first process stops ticking at press play; the second comes up once the third beat is late too.
		const back = party.timeline.startAt + three!.minute * MINUTE_MS + LATE_AFTER_MS + 1000;
		const second = await setup({ language: 'en', shared, start: new Date(back).toISOString() });
		await second.tick();
		expect(beatsInThread(second.discord, party.threadId!)).toEqual(
			[one, two, three].map((beat) => ({ beat: beat!.id, late: true })),
		);
		await second.run(party.timeline.startAt + four!.minute * MINUTE_MS - back, 30_000);
		expect(beatsInThread(second.discord, party.threadId!).at(-1)).toEqual({ beat: four!.id, late: false });
		expect(beatsInThread(second.discord, party.threadId!)).toHaveLength(4);
	});
});

describe('bot processes on several hosts sharing PostgreSQL', () => {
	test('Given two processes tick at the same moment a beat is due, then one of them posts it, once', async () => {
		const shared = await newDatabaseLocation('postgres');
		const a = await setup({ language: 'en', shared });
		const party = await startParty(a);
		const b = await setup({ language: 'en', shared });
		const [first] = sortedBeats(PLAN);
		const dueAt = new Date(party.timeline.startAt + first!.minute * MINUTE_MS);
		a.clock.set(dueAt);
		b.clock.set(dueAt);
		await Promise.all([a.tick(), b.tick()]);
		await Promise.all([a.tick(), b.tick()]);
		expect(beatsInThread(a.discord, party.threadId!)).toEqual([{ beat: first!.id, late: false }]);
		// Not one each with Discord dropping the copy: one process claimed it, the other never sent it.
		expect([...beatPosts(a.discord, party.threadId!), ...beatPosts(b.discord, party.threadId!)]).toHaveLength(1);
		expect(await partyStore(b.ctx).get(party.id)).toMatchObject({ status: 'running', failures: 0 });
	});
});

describe('a PostgreSQL database that goes away', () => {
	/** A bot on a fresh PostgreSQL database that it reaches through a line the test can cut. */
	async function behindCuttableLine() {
		const server = new URL(inject('postgresUrl'));
		const line = await startCuttableProxy({ host: server.hostname, port: Number(server.port) });
		onTestFinished(() => line.close());
		const url = new URL(`/${(await createPostgresDatabase()).name}`, server);
		url.host = `127.0.0.1:${line.port}`;
		const harness = await setup({ language: 'en', shared: { url: url.toString() } });
		return { harness, line };
	}

	/**
	 * Runs `send` while Discord holds the next post in the thread, and cuts the database before Discord
	 * answers: the post lands, and the bot cannot record that it did.
	 */
	async function cutWhileSending(harness: Harness, line: CuttableProxy, threadId: string, send: () => Promise<void>) {
		let release!: () => void;
		harness.discord.fake.delay({
			method: 'POST',
			path: `/channels/${threadId}/messages`,
			until: new Promise<void>((resolve) => (release = resolve)),
		});
		const sending = send();
		await harness.discord.fake.waitUntil(() => harness.discord.fake.held.size > 0, { what: 'a post on its way' });
		line.cut();
		release();
		await sending;
	}

	test('Given the database goes away just as a beat is sent, then the tick fails without ending the party, and once it is back the beat shows once and the next comes on time', async () => {
		const { harness, line } = await behindCuttableLine();
		const party = await startParty(harness);
		await harness.run(10_000, 5000);
		const [first, second] = sortedBeats(PLAN);

		harness.clock.set(new Date(party.timeline.startAt + first!.minute * MINUTE_MS));
		await cutWhileSending(harness, line, party.threadId!, harness.tick);
		const outage = await harness.tick().catch((error: unknown) => error);
		expect(isDatabaseUnavailable(outage)).toBe(true);

		line.mend();
		await harness.run(5000);
		expect(beatsInThread(harness.discord, party.threadId!)).toEqual([{ beat: first!.id, late: false }]);
		expect(await partyStore(harness.ctx).get(party.id)).toMatchObject({ status: 'running', failures: 0 });
		await harness.run((second!.minute - first!.minute) * MINUTE_MS - 5000, 30_000);
		expect(beatsInThread(harness.discord, party.threadId!)).toEqual([
			{ beat: first!.id, late: false },
			{ beat: second!.id, late: false },
		]);
	});

	test('Given the database goes away as the host ends the party, then once it is back the wrap-up shows once and the buttons go', async () => {
		const { harness, line } = await behindCuttableLine();
		const party = await startParty(harness);
		await harness.run(10_000 + 5 * MINUTE_MS, 30_000);
		await cutWhileSending(harness, line, party.threadId!, () =>
			control(harness, 'end', {}, { channelId: party.threadId! }),
		);

		line.mend();
		await harness.run(WRAP_UP_PENDING_MS, 5000);
		const wrapUps = publicMessages(harness.discord, party.threadId!).filter(
			(message) => message.embeds?.[0]?.title === 'After the film',
		);
		expect(wrapUps).toHaveLength(1);
		expect(edits(harness.discord, party.threadId!, party.controlMessageId).at(-1).components).toEqual([]);
	});
});
