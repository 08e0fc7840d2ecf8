/**
 * The watch party end to end: the real bot against the fake Discord. The bot reads a clock the test
 * moves; its own 1-second watch-party job does the posting, and the test waits (bounded) for each post.
 * Beats are read from the dataset, never named here: the film's beats and minutes are the data's to move.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { encodeCustomId } from '../../src/custom-id.js';
import { loadDataset } from '../../src/dataset/load.js';
import { common } from '../../src/i18n/common.js';
import { openDatabase } from '../../src/store/database.js';
import { MAX_FAILURES, partyStore } from '../../src/watchparty/engine.js';
import { watchPartyText } from '../../src/watchparty/messages.js';
import { WRAP_UP_KEY, WatchPartyStore, beatKey, postNonce, type Party } from '../../src/watchparty/store.js';
import { MINUTE_MS, PAUSE_LIMIT_MS, sortedBeats } from '../../src/watchparty/timeline.js';
import type { Json, User } from '../fake-discord/index.js';
import { TestClock as Clock } from '../support/context.js';
import { DATABASE_KINDS, createPostgresDatabase } from '../support/databases.js';
import {
	embedText,
	eventually,
	expectClean,
	hold,
	isEphemeral,
	MEMBERS,
	press,
	buttonId,
	startClub,
	startInProcess,
	tempDatabase,
	use,
	type Club,
	type ClubGuild,
	type InProcessBot,
} from './harness.js';

const running: { bots: InProcessBot[]; club?: Club; held: { release(): void }[] } = { bots: [], held: [] };
afterEach(async () => {
	// A bot stops once its sends have landed: a test that failed while Discord held some lets them go first.
	for (const held of running.held.splice(0)) held.release();
	for (const bot of running.bots.splice(0)) await bot.stop();
	await running.club?.fake.close();
	running.club = undefined;
});

const PLAN = loadDataset().watchParty;
/** The film's beats in order, as the dataset has them. */
const BEATS = sortedBeats(PLAN);
const beatPosted = (posted: number) => `Beats posted: ${posted} of ${BEATS.length}`;

// The fake Discord's clock follows the bot's (startInProcess), so a Scheduled Event's start is checked against it.
const START = '2025-05-14T11:00:00.000Z';

async function club(): Promise<Club> {
	running.club = await startClub();
	return running.club;
}

/** A bot on a SQLite file (by default a new one) or, given `{ url }`, on PostgreSQL. */
async function bot(
	club: Club,
	clock: Clock,
	database: string | { url: string } = tempDatabase(),
): Promise<InProcessBot> {
	const started = await startInProcess(
		club,
		typeof database === 'string'
			? { databasePath: database, now: clock.now }
			: { now: clock.now, config: { databaseUrl: database.url } },
	);
	running.bots.push(started);
	return started;
}

/** Stops a bot the test restarts: every send it started has landed once this resolves. */
async function stopBot(herBot: InProcessBot): Promise<void> {
	running.bots.splice(running.bots.indexOf(herBot), 1);
	await herBot.stop();
}

/** Discord holds the matching requests until `release()` (or the test's end). */
function holdRequests(club: Club, match: Parameters<typeof hold>[1]): { release(): void } {
	const held = hold(club.fake, match);
	running.held.push(held);
	return held;
}

/** Waits until Discord holds a request; returns the first one held. */
const firstHeld = (club: Club) =>
	club.fake.waitUntil(() => [...club.fake.held][0], { what: 'a request held by Discord' });

/** A host allowed to create Scheduled Events, so the bot creates one for them. */
const eventHost = (club: Club): User =>
	club.fake.user({ username: 'event-host', locale: 'en-US', permissions: ['ManageEvents'] });

/** A beat's embed footer names it. */
const beatId = (message: Json) => String(message.embeds?.[0]?.footer?.text);

/** The bot's own posts in a channel (not its answers to commands). */
const fromBot = (club: Club, channelId: string) =>
	club.fake
		.messages(channelId)
		.filter((message) => message.author?.bot === true && message.interaction_metadata === undefined);

const beats = (club: Club, threadId: string) =>
	fromBot(club, threadId).filter((message) => BEATS.some((beat) => message.embeds?.[0]?.footer?.text === beat.id));

const wrapUps = (club: Club, threadId: string) =>
	fromBot(club, threadId).filter((message) => message.embeds?.[0]?.title === 'After the film');

/** Starts a party, moves the bot's clock `minutes` past press play and waits for the first beat. */
async function playToFirstBeat(
	fake: Club,
	herBot: InProcessBot,
	clock: Clock,
	minutes: number,
	options: Record<string, string | number> = {},
) {
	const started = await startParty(fake, herBot, options);
	clock.set(new Date(started.party.timeline.startAt + minutes * MINUTE_MS));
	await eventually(() => beats(fake, started.party.threadId).length === 1, 'the first beat');
	return started;
}

interface Where {
	readonly guild?: ClubGuild;
	readonly channelId?: string;
	readonly user?: User;
}

async function startParty(
	fake: Club,
	herBot: InProcessBot,
	options: Record<string, string | number> = {},
	{ guild = fake.guilds.en, channelId = guild.general, user = fake.users.en }: Where = {},
) {
	const { id, response } = await use(fake, {
		kind: 'command',
		name: 'her-watchparty',
		subcommand: 'start',
		options,
		guildId: guild.id,
		channelId,
		user,
	});
	// The host is answered privately; the announcement is the bot's own post, edited with the thread's link.
	const seen = await fake.fake.reply(id);
	const party = await eventually(async () => {
		const active = await partyStore(herBot.bot.ctx).activeFor(channelId);
		return active?.status === 'running' && active.threadId ? active : undefined;
	}, 'the party to be running');
	const announcement = await eventually(
		() => fromBot(fake, channelId).find((message) => String(message.content).includes(`<#${party.threadId}>`)),
		'the announcement to link the thread',
	);
	return { response, seen, announcement, party: party as Party & { threadId: string } };
}

describe('watch party', () => {
	test('Given a party in one minute, then a thread, an event, a 3-2-1 countdown, a spoiler-tagged beat, Join, and the wrap-up', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const host = eventHost(fake);

		const { response, seen, announcement, party } = await startParty(
			fake,
			herBot,
			{ in: 1, title: 'Friday film' },
			{ user: host },
		);
		expect(isEphemeral(response.data)).toBe(true);
		expect(seen.content).toBe(`Your watch party is set up in <#${party.threadId}>.`);
		expect(announcement.content).toContain('Friday film');
		const [thread] = fake.fake.threads(guild.general);
		expect(thread).toMatchObject({ id: party.threadId, name: 'Her watch party · Friday film' });
		const [welcome, controls, countdown] = fromBot(fake, party.threadId);
		expect(embedText(welcome!.embeds[0])).toContain('Spoiler etiquette');
		expect(welcome!.embeds[1].title).toBe('Her (2013)');
		expect(controls!.components[0].components.map((button: { label: string }) => button.label)).toEqual([
			'Next',
			'Pause',
			'End',
		]);
		const event = await eventually(() => fake.fake.scheduledEvents(guild.id)[0], 'the scheduled event');
		expect(event).toMatchObject({
			name: 'Her watch party · Friday film',
			scheduled_start_time: new Date(Date.parse(START) + MINUTE_MS).toISOString(),
			entity_metadata: { location: `https://discord.com/channels/${guild.id}/${party.threadId}` },
		});

		for (const [second, shown] of [
			[57, '**3…**'],
			[58, '**2…**'],
			[59, '**1…**'],
			[60, '▶️ **Press play now!**'],
		] as const) {
			clock.set(new Date(Date.parse(START) + second * 1000));
			await eventually(() => fake.fake.message(countdown!.id)?.content === shown, `the countdown to show ${shown}`);
		}
		await eventually(() => fake.fake.scheduledEvents(guild.id)[0]?.status === 2, 'the event to be active');

		const joined = await use(fake, {
			kind: 'button',
			customId: encodeCustomId('her-watchparty', 'join', party.id),
			messageId: welcome!.id,
			guildId: guild.id,
			channelId: party.threadId,
			user: fake.users.ko,
		});
		expect(joined.response.type).toBe(7);
		const participants = fake.fake.message(welcome!.id)!.embeds[0].fields.at(-1);
		expect(participants).toEqual({
			name: 'Participants (2)',
			value: `<@${host.id}> <@${fake.users.ko.id}>`,
			inline: expect.anything(),
		});

		clock.set(new Date(Date.parse(START) + (1 + BEATS[0]!.minute) * MINUTE_MS));
		const [beat] = await eventually(() => {
			const posted = beats(fake, party.threadId);
			return posted.length > 0 && posted;
		}, 'the first beat');
		expect(beat!.nonce).toBe(postNonce(party.id, beatKey(BEATS[0]!.id)));
		expect(beat!.embeds[0].title).toBe(`⏱ Minute ${BEATS[0]!.minute}`);
		expect(beat!.embeds[0].description).toMatch(/^\*\*\|\|.+\|\|\*\*\n• \|\|/);

		const refused = await use(fake, {
			kind: 'button',
			customId: encodeCustomId('her-watchparty', 'end', party.id),
			messageId: controls!.id,
			guildId: guild.id,
			channelId: party.threadId,
			user: fake.users.ko,
		});
		expect(isEphemeral(refused.response.data)).toBe(true);

		const ended = await use(fake, {
			kind: 'command',
			name: 'her-watchparty',
			subcommand: 'end',
			guildId: guild.id,
			channelId: party.threadId,
			user: host,
		});
		expect(ended.response.type).toBe(5);
		expect(isEphemeral(ended.response.data)).toBe(true);
		expect((await fake.fake.reply(ended.id)).content).toBe('The watch party has ended; the wrap-up is in the thread.');
		const wrapUp = fromBot(fake, party.threadId).at(-1)!;
		expect(wrapUp.nonce).toBe(postNonce(party.id, WRAP_UP_KEY));
		expect(embedText(wrapUp.embeds[1])).toContain(`Joined: <@${host.id}> <@${fake.users.ko.id}>`);
		expect(embedText(wrapUp.embeds[1])).toContain(beatPosted(1));
		expect(embedText(wrapUp.embeds[1])).not.toContain('lost');
		expect(fake.fake.message(controls!.id)!.components).toEqual([]);
		expect(fake.fake.scheduledEvents(guild.id)[0]?.status).toBe(3);
		expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({
			status: 'ended',
			endReason: 'ended-by-host',
		});
		expectClean(fake);
	});

	test.each(DATABASE_KINDS)(
		'Given the bot on %s is down over three beats, then the missed beats are posted once after the restart, marked late, and the next one on time',
		async (kind) => {
			const fake = await club();
			const clock = new Clock(START);
			const database = kind === 'sqlite' ? tempDatabase() : { url: (await createPostgresDatabase()).url };
			const first = await bot(fake, clock, database);
			const { party } = await playToFirstBeat(fake, first, clock, BEATS[0]!.minute + 1);
			await stopBot(first);

			// Two minutes past the third missed beat, so even that one is late (more than a minute after it fell due).
			clock.set(new Date(party.timeline.startAt + (BEATS[3]!.minute + 2) * MINUTE_MS));
			await bot(fake, clock, database);
			const posted = await eventually(() => {
				const all = beats(fake, party.threadId);
				return all.length === 4 && all;
			}, 'the three missed beats');
			expect(posted.map(beatId)).toEqual(BEATS.slice(0, 4).map((beat) => beat.id));
			expect(posted.slice(1).every((message) => message.embeds[0].description.includes('Posted late'))).toBe(true);
			clock.set(new Date(party.timeline.startAt + BEATS[4]!.minute * MINUTE_MS));
			await eventually(() => beats(fake, party.threadId).length === 5, 'the fifth beat');
			expect(beats(fake, party.threadId).at(-1)!.embeds[0].description).not.toContain('Posted late');
			expectClean(fake);
		},
	);

	test('Given a party in 30 minutes, when the host pauses for 10 minutes and resumes before the start, then the event moves 10 minutes later', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const user = eventHost(fake);
		const { party } = await startParty(fake, herBot, { in: 30 }, { user });
		const at = (minutes: number) => new Date(Date.parse(START) + minutes * MINUTE_MS).toISOString();
		await eventually(async () => (await partyStore(herBot.bot.ctx).get(party.id))?.eventId, 'the scheduled event');
		const host = { guildId: guild.id, channelId: party.threadId, user };

		const paused = await use(fake, { kind: 'command', name: 'her-watchparty', subcommand: 'pause', ...host });
		expect(isEphemeral(paused.response.data)).toBe(true);
		clock.set(new Date(Date.parse(START) + 10 * MINUTE_MS));
		await use(fake, { kind: 'command', name: 'her-watchparty', subcommand: 'resume', ...host });
		const moved = await fake.fake.waitUntil(() => {
			const event = fake.fake.scheduledEvents(guild.id)[0];
			return event?.scheduled_start_time === at(40) && event;
		});
		expect(moved).toMatchObject({ status: 1, scheduled_end_time: at(40 + 126) });
		expectClean(fake);
	});

	test('Given the bot leaves the guild at minute 10 and is back five hours later, then the party closes with one wrap-up saying so, and a new one can start', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const { party } = await playToFirstBeat(fake, herBot, clock, BEATS[0]!.minute + 1);

		fake.fake.dispatch('GUILD_DELETE', { id: guild.id }, { guildId: guild.id });
		await eventually(() => !herBot.bot.client.guilds.cache.has(guild.id), 'the bot to drop the guild');
		clock.set(new Date(party.timeline.startAt + 5 * 60 * MINUTE_MS));
		fake.fake.dispatch('GUILD_CREATE', fake.fake.guildPayload(fake.fake.world.guilds.get(guild.id)!), {
			guildId: guild.id,
		});
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0]);
		expect(embedText(wrapUp.embeds[1])).toContain(beatPosted(1));
		expect(embedText(wrapUp.embeds[1])).toContain('I was offline when the film ended');
		expect(beats(fake, party.threadId)).toHaveLength(1);
		expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({
			status: 'ended',
			endReason: 'finished-while-away',
		});
		const again = await startParty(fake, herBot);
		expect(again.party.id).not.toBe(party.id);
		expectClean(fake);
	});

	test('Given the host pauses and never resumes, then six hours later the party closes with one wrap-up saying so, its buttons go, and a new one can start', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const user = eventHost(fake);
		const { party } = await startParty(fake, herBot, { in: 1 }, { user });
		// The event is the start's last step: made before the clock moves on, or Discord refuses it as past.
		await eventually(async () => (await partyStore(herBot.bot.ctx).get(party.id))?.eventId, 'the scheduled event');
		const [, controls] = fromBot(fake, party.threadId);
		const pausedAfter = BEATS[0]!.minute + 1;
		clock.set(new Date(party.timeline.startAt + pausedAfter * MINUTE_MS));
		await eventually(() => beats(fake, party.threadId).length === 1, 'the first beat');
		const host = { guildId: guild.id, channelId: party.threadId, user };
		await use(fake, { kind: 'command', name: 'her-watchparty', subcommand: 'pause', ...host });

		clock.set(new Date(party.timeline.startAt + pausedAfter * MINUTE_MS + PAUSE_LIMIT_MS));
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0], { what: 'the wrap-up' });
		expect(embedText(wrapUp.embeds[1])).toContain(`Ran for ${pausedAfter} min`);
		expect(embedText(wrapUp.embeds[1])).toContain('Ended after a long pause: nobody resumed it for 6 hours.');
		await fake.fake.waitUntil(() => fake.fake.message(controls!.id)?.components?.length === 0, {
			what: 'the controls without buttons',
		});
		await fake.fake.waitUntil(() => fake.fake.scheduledEvents(guild.id)[0]?.status === 3, {
			what: 'the event completed',
		});
		expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({
			status: 'ended',
			endReason: 'paused-too-long',
		});
		const again = await startParty(fake, herBot);
		expect(again.party.id).not.toBe(party.id);
		expect(wrapUps(fake, party.threadId)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given Discord answers 500 to the wrap-up (past discord.js’s own retries), then the bot posts it on a later tick, once', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const { party } = await playToFirstBeat(fake, herBot, clock, BEATS[0]!.minute + 1);

		const threadPosts = `/channels/${party.threadId}/messages`;
		const from = fake.fake.requests.length;
		// discord.js tries once more itself (src/client.ts): two 500s fail one send of the bot's.
		fake.fake.failNext({ method: 'POST', path: threadPosts, status: 500, count: 2 });
		const ended = await use(fake, {
			kind: 'command',
			name: 'her-watchparty',
			subcommand: 'end',
			guildId: guild.id,
			channelId: party.threadId,
			user: fake.users.en,
		});
		expect(isEphemeral(ended.response.data)).toBe(true);
		await herBot.waitForLog((record) => record.msg === 'could not post the watch-party wrap-up; will try again');
		expect(wrapUps(fake, party.threadId)).toEqual([]);

		clock.set(new Date(party.timeline.startAt + (BEATS[0]!.minute + 1) * MINUTE_MS + 10_000));
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0]);
		expect(wrapUp.nonce).toBe(postNonce(party.id, WRAP_UP_KEY));
		expect(embedText(wrapUp.embeds[1])).toContain('Ended by the host.');
		const tries = fake.fake.requests
			.slice(from)
			.filter((request) => request.method === 'POST' && request.path === threadPosts);
		expect(tries.map((request) => request.status)).toEqual([500, 500, 200]);
		expect(wrapUps(fake, party.threadId)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given the thread is deleted mid-party, then the party ends cleanly and a new one can start', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const { party } = await startParty(fake, herBot);
		clock.set(new Date(party.timeline.startAt + MINUTE_MS));
		await eventually(
			async () => (await partyStore(herBot.bot.ctx).get(party.id))?.timeline.countdownShown === 0,
			'the countdown to finish',
		);
		fake.fake.deleteChannel(party.threadId);
		clock.set(new Date(party.timeline.startAt + 3 * MINUTE_MS));
		await eventually(
			async () => (await partyStore(herBot.bot.ctx).get(party.id))?.endReason === 'channel-gone',
			'the party to end as channel-gone',
		);
		const again = await startParty(fake, herBot);
		expect(again.party.id).not.toBe(party.id);
		expectClean(fake);
	});
});

/** Moves the bot's clock and the fake's together, so the ids Discord gives messages match the bot's time. */
function both(club: Club, clock: Clock) {
	return (ms: number) => {
		clock.set(new Date(ms));
		club.fake.clock.set(ms);
	};
}

/** Back after Discord itself forgot the nonce (the fake's window, minutes): a resend would post a copy. */
const pastNonceWindows = (club: Club) => club.fake.options.nonceWindowMs + MINUTE_MS;

const wallTimeOf = (party: Party, filmMinute: number) => party.timeline.startAt + filmMinute * MINUTE_MS;

/** What a crash leaves behind: a beat claimed (so it is never claimed twice) whose send nobody saw answered. */
async function leaveUnconfirmed(
	databasePath: string,
	party: Party,
	beat: string,
	claimedAt: number,
	sent: boolean,
): Promise<void> {
	const db = await openDatabase({ path: databasePath });
	try {
		if (!sent) await new WatchPartyStore(db, PLAN).claim(party.id, beatKey(beat), claimedAt, false);
		await db
			.updateTable('watch_party_posts')
			.set({ message_id: null })
			.where('party_id', '=', party.id)
			.where('post_key', '=', beatKey(beat))
			.execute();
		// The step never finished, so the party is still due from then.
		await db.updateTable('watch_parties').set({ next_due_at: claimedAt }).where('id', '=', party.id).execute();
	} finally {
		await db.destroy();
	}
}

async function endAs(club: Club, party: Party & { threadId: string }, user: User = club.users.en) {
	const ended = await use(club, {
		kind: 'command',
		name: 'her-watchparty',
		subcommand: 'end',
		guildId: party.guildId,
		channelId: party.threadId,
		user,
	});
	return { ...ended, reply: await club.fake.reply(ended.id) };
}

describe('a thread the bot can no longer post in', () => {
	test('Given the bot loses Send Messages in Threads mid-party, then the next beat ends the party as forbidden, and nothing is retried', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const { party } = await playToFirstBeat(fake, herBot, clock, BEATS[0]!.minute + 1);
		fake.fake.setBotOverwrite(party.channelId, [], ['SendMessagesInThreads']);
		clock.set(new Date(wallTimeOf(party, BEATS[1]!.minute)));
		await eventually(
			async () => (await partyStore(herBot.bot.ctx).get(party.id))?.status === 'ended',
			'the party to end',
		);
		expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({ endReason: 'forbidden' });
		const tries = () =>
			fake.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${party.threadId}/messages`));
		const refused = tries().length;
		clock.set(new Date(wallTimeOf(party, BEATS[2]!.minute)));
		fake.fake.setBotOverwrite(party.channelId, [], []);
		const again = await startParty(fake, herBot);
		expect(again.party.id).not.toBe(party.id);
		expect(tries()).toHaveLength(refused);
		expectClean(fake);
	});

	test('Given Discord answers 500 to every try of a beat, then the engine backs off and ends the party after a few tries', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const { party } = await playToFirstBeat(fake, herBot, clock, BEATS[0]!.minute + 1);
		const threadPosts = `/channels/${party.threadId}/messages`;
		fake.fake.failNext({ method: 'POST', path: threadPosts, status: 500, count: 1_000 });
		const dueAt = wallTimeOf(party, BEATS[1]!.minute);
		// Each failed step is tried again after a longer wait (2, 4, 8, 16 s); the clock jumps past each.
		for (let failures = 1; failures <= MAX_FAILURES; failures++) {
			clock.set(new Date(dueAt + (failures - 1) * 20_000));
			await herBot.waitForLog((record) => record.msg === 'watch party step failed' && record.failures === failures);
		}
		expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({ status: 'ended', endReason: 'failed' });
		expect(beats(fake, party.threadId)).toHaveLength(1);
		expectClean(fake);
	});
});

describe('a party that stops when told', () => {
	test('Given a restart with late beats due, when the host presses End while the first of them is on its way, then it lands, the wrap-up comes last and counts it, and no beat follows', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const databasePath = tempDatabase();
		const first = await bot(fake, clock, databasePath);
		const { party } = await playToFirstBeat(fake, first, clock, BEATS[0]!.minute + 1);
		await stopBot(first);

		// Only the first post after the restart is held: anything posted meanwhile (a wrap-up too early) lands.
		const held = holdRequests(fake, { method: 'POST', path: `/channels/${party.threadId}/messages`, count: 1 });
		clock.set(new Date(wallTimeOf(party, BEATS[3]!.minute + 1)));
		const second = await bot(fake, clock, databasePath);
		expect(beatId((await firstHeld(fake)).body as Json)).toBe(BEATS[1]!.id);

		const ended = await use(fake, {
			kind: 'command',
			name: 'her-watchparty',
			subcommand: 'end',
			guildId: party.guildId,
			channelId: party.threadId,
			user: fake.users.en,
		});
		expect(ended.response.type).toBe(5);
		await eventually(
			async () => (await partyStore(second.bot.ctx).get(party.id))?.status === 'ended',
			'the party to be ended',
		);
		held.release();
		expect((await fake.fake.reply(ended.id)).content).toBe('The watch party has ended; the wrap-up is in the thread.');
		await stopBot(second);

		const afterRestart = fromBot(fake, party.threadId).slice(3 + 1);
		expect(afterRestart.map((message) => message.embeds?.[0]?.footer?.text ?? message.embeds?.[0]?.title)).toEqual([
			BEATS[1]!.id,
			'After the film',
		]);
		expect(embedText(afterRestart[1]!.embeds[1])).toContain(beatPosted(2));
		expect(embedText(afterRestart[1]!.embeds[1])).toContain('Ended by the host.');
		expectClean(fake);
	});
});

describe('a beat never lost in silence', () => {
	test('Given the bot went down after claiming a beat but before sending it, and is back past the nonce window, then the beat is posted once, marked late, and counted', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const at = both(fake, clock);
		const databasePath = tempDatabase();
		at(Date.parse(START));
		const first = await bot(fake, clock, databasePath);
		const { party } = await startParty(fake, first);
		const dueAt = wallTimeOf(party, BEATS[0]!.minute);
		at(dueAt - 1000);
		await eventually(
			async () => (await partyStore(first.bot.ctx).get(party.id))?.timeline.countdownShown === 0,
			'press play',
		);
		await stopBot(first);
		await leaveUnconfirmed(databasePath, party, BEATS[0]!.id, dueAt, false);

		const back = dueAt + pastNonceWindows(fake);
		expect(back).toBeLessThan(wallTimeOf(party, BEATS[1]!.minute));
		at(back);
		const second = await bot(fake, clock, databasePath);
		const [beat] = await eventually(() => {
			const posted = beats(fake, party.threadId);
			return posted.length > 0 && posted;
		}, 'the unconfirmed beat');
		expect(beatId(beat!)).toBe(BEATS[0]!.id);
		expect(beat!.embeds[0].description).toContain('Posted late');
		await second.waitForLog((record) => record.msg?.includes('not in its thread; posting it late') === true);

		const { reply } = await endAs(fake, party);
		expect(isEphemeral(reply)).toBe(true);
		const wrapUp = wrapUps(fake, party.threadId)[0]!;
		expect(embedText(wrapUp.embeds[1])).toContain(beatPosted(1));
		expect(embedText(wrapUp.embeds[1])).not.toContain('lost');
		expect(beats(fake, party.threadId)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given the beat did reach Discord but the bot went down before its answer, under a page and more of chatter, then the bot finds it in the thread and does not post it again', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const at = both(fake, clock);
		const databasePath = tempDatabase();
		at(Date.parse(START));
		const first = await bot(fake, clock, databasePath);
		const { party } = await startParty(fake, first);
		const dueAt = wallTimeOf(party, BEATS[0]!.minute);
		// Members talk just before the beat: the search from its first send must page past them.
		at(dueAt - 30_000);
		fake.fake.memberSays(party.threadId, fake.users.ko, 150);
		at(dueAt);
		await eventually(() => beats(fake, party.threadId).length === 1, 'the first beat');
		await stopBot(first);
		await leaveUnconfirmed(databasePath, party, BEATS[0]!.id, dueAt, true);

		const from = fake.fake.requests.length;
		at(dueAt + pastNonceWindows(fake));
		const second = await bot(fake, clock, databasePath);
		await second.waitForLog((record) => record.msg === 'found an unconfirmed watch-party beat in its thread');
		const pages = fake.fake.requests
			.slice(from)
			.filter((request) => request.method === 'GET' && request.path === `/channels/${party.threadId}/messages`);
		expect(pages.length).toBeGreaterThanOrEqual(2);
		expect(pages.every((page) => page.query.after !== undefined && page.query.limit === '100')).toBe(true);

		await endAs(fake, party);
		expect(beats(fake, party.threadId)).toHaveLength(1);
		expect(embedText(wrapUps(fake, party.threadId)[0]!.embeds[1])).toContain(beatPosted(1));
		expectClean(fake);
	});

	test('Given an unconfirmed beat past the nonce window in a thread the bot may not read back, then it is recorded as lost with a warning, never sent twice, and the summary says so', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const at = both(fake, clock);
		const databasePath = tempDatabase();
		at(Date.parse(START));
		const first = await bot(fake, clock, databasePath);
		const { party } = await startParty(fake, first);
		const dueAt = wallTimeOf(party, BEATS[0]!.minute);
		at(dueAt - 1000);
		await eventually(
			async () => (await partyStore(first.bot.ctx).get(party.id))?.timeline.countdownShown === 0,
			'press play',
		);
		await stopBot(first);
		await leaveUnconfirmed(databasePath, party, BEATS[0]!.id, dueAt, false);
		fake.fake.setBotOverwrite(party.channelId, [], ['ReadMessageHistory']);

		at(dueAt + pastNonceWindows(fake));
		const second = await bot(fake, clock, databasePath);
		const warning = await second.waitForLog((record) => record.msg?.startsWith('lost a watch-party beat') === true);
		expect(warning).toMatchObject({ level: 40, partyId: party.id, beat: BEATS[0]!.id });

		await endAs(fake, party);
		expect(beats(fake, party.threadId)).toEqual([]);
		const summary = embedText(wrapUps(fake, party.threadId)[0]!.embeds[1]);
		expect(summary).toContain(beatPosted(0));
		expect(summary).toContain(watchPartyText.en.summaryLost(1));
		expectClean(fake);
	});
});

describe('one slow party stalls no other', () => {
	test('Given one party’s thread answers only when released, then another party’s countdown still shows 3, 2, 1 and press play, in order, meanwhile', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const stuck = await startParty(fake, herBot);
		const held = holdRequests(fake, { method: 'POST', path: `/channels/${stuck.party.threadId}/messages` });
		clock.set(new Date(wallTimeOf(stuck.party, BEATS[0]!.minute) + 1000));
		await firstHeld(fake);

		const movieNight = fake.fake.addChannel(guild.id, { name: 'movie-night' });
		await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, movieNight), 'the bot to see the new channel');
		const other = await startParty(fake, herBot, { in: 1 }, { channelId: movieNight });
		const countdown = fromBot(fake, other.party.threadId)[2]!;
		const steps = ['**3…**', '**2…**', '**1…**', '▶️ **Press play now!**'];
		for (const [index, shown] of steps.entries()) {
			clock.set(new Date(other.party.timeline.startAt - (3 - index) * 1000));
			await fake.fake.waitUntil(() => fake.fake.message(countdown.id)?.content === shown, { what: shown });
		}
		const edits = fake.fake.requests
			.filter((request) => request.method === 'PATCH' && request.path.endsWith(`/messages/${countdown.id}`))
			.map((request) => (request.body as { content: string }).content);
		expect(edits).toEqual(steps);
		expect(beats(fake, stuck.party.threadId)).toEqual([]);

		held.release();
		await eventually(() => beats(fake, stuck.party.threadId).length === 1, 'the held beat');
		expect(beatId(beats(fake, stuck.party.threadId)[0]!)).toBe(BEATS[0]!.id);
		expectClean(fake);
	});
});

describe('the bot never lends its rights', () => {
	test.each(MEMBERS)(
		'Given a $member member without Create Events starts a party in 30 minutes, then it starts without a Scheduled Event and only they are told why, in their language',
		async ({ member, lang }) => {
			const fake = await club();
			const clock = new Clock(START);
			const herBot = await bot(fake, clock);
			const guild = member === 'ko' ? fake.guilds.ko : fake.guilds.en;
			const { party } = await startParty(fake, herBot, { in: 30 }, { guild, user: fake.users[member] });
			const told = await fake.fake.waitUntil(() =>
				fake.fake.messages(guild.general).find((message) => message.content === watchPartyText[lang].noEventRight),
			);
			expect(isEphemeral(told)).toBe(true);
			expect(fake.fake.scheduledEvents(guild.id)).toEqual([]);
			expect(await partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({ status: 'running', eventId: null });
			expectClean(fake);
		},
	);

	test.each(MEMBERS)(
		'Given a $member member who may not create public threads in a channel where the bot may, then a party, Discuss and a question with thread:true each tell only them so, in their language, and open no thread',
		async ({ member, lang }) => {
			const fake = await club();
			const herBot = await bot(fake, new Clock(START));
			const guild = fake.guilds.ko;
			const user = fake.users[member];
			const channelId = fake.fake.addChannel(guild.id, {
				name: 'no-member-threads',
				denyEveryone: ['CreatePublicThreads'],
			});
			fake.fake.setBotOverwrite(channelId, ['CreatePublicThreads'], []);
			await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, channelId), 'the bot to see the channel');
			const command = async (name: string, more: { subcommand?: string; options?: Record<string, boolean> } = {}) => {
				const used = await use(fake, { kind: 'command', name, ...more, guildId: guild.id, channelId, user });
				return fake.fake.reply(used.id);
			};
			const answers = [
				await command('her-watchparty', { subcommand: 'start' }),
				await command('her-question', { options: { thread: true } }),
			];
			const quote = await command('her-quote');
			answers.push((await press(fake, guild, user, quote, buttonId(quote, 'discuss'))).message);

			expect(fake.fake.threads(channelId)).toEqual([]);
			expect(await partyStore(herBot.bot.ctx).activeFor(channelId)).toBeUndefined();
			const refusal = common[lang].memberNeeds(common[lang].permission.CreatePublicThreads!, `<#${channelId}>`);
			expect(answers.map((answer) => [answer.content, isEphemeral(answer)])).toEqual([
				[refusal, true],
				[refusal, true],
				[refusal, true],
			]);
			expect(fromBot(fake, channelId)).toEqual([]);
			expectClean(fake);
		},
	);
});
