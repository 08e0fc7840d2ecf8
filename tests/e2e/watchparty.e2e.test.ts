/**
 * The watch party end to end: the real bot against the fake Discord. The bot reads a clock the test
 * moves; its own 1-second watch-party job does the posting, and the test waits (bounded) for each post.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { encodeCustomId } from '../../src/custom-id.js';
import { partyStore } from '../../src/watchparty/engine.js';
import { WRAP_UP_KEY, beatKey, postNonce, type Party } from '../../src/watchparty/store.js';
import { MINUTE_MS, PAUSE_LIMIT_MS } from '../../src/watchparty/timeline.js';
import { loadDataset } from '../../src/dataset/load.js';
import { TestClock as Clock } from '../support/context.js';
import {
	embedText,
	eventually,
	expectClean,
	isEphemeral,
	startClub,
	startInProcess,
	tempDatabase,
	use,
	type Club,
	type InProcessBot,
} from './harness.js';

const running: { bots: InProcessBot[]; club?: Club } = { bots: [] };
afterEach(async () => {
	for (const bot of running.bots.splice(0)) await bot.stop();
	await running.club?.fake.close();
	running.club = undefined;
});

// The fake Discord checks a Scheduled Event's start against real time, so the bot's clock starts at the next full minute.
const START = new Date(Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS).toISOString();

// The beats are the dataset's (data/watch-party.json): read, not hard-coded.
const { beats: BEATS } = loadDataset().watchParty;
const beatsUpTo = (minute: number) => BEATS.filter((beat) => beat.minute <= minute).map((beat) => beat.id);

async function club(): Promise<Club> {
	running.club = await startClub();
	return running.club;
}

async function bot(club: Club, clock: Clock, databasePath = tempDatabase()): Promise<InProcessBot> {
	const started = await startInProcess(club, { databasePath, now: clock.now });
	running.bots.push(started);
	return started;
}

/** The bot's own posts in a channel (not its answers to commands). */
const fromBot = (club: Club, channelId: string) =>
	club.fake
		.messages(channelId)
		.filter((message) => message.author?.bot === true && message.interaction_metadata === undefined);

const beats = (club: Club, threadId: string) =>
	fromBot(club, threadId).filter((message) => String(message.embeds?.[0]?.footer?.text ?? '').startsWith('beat-'));

const wrapUps = (club: Club, threadId: string) =>
	fromBot(club, threadId).filter((message) => message.embeds?.[0]?.title === 'After the film');

/** Starts a party, moves the bot's clock `minutes` past press play and waits for the minute-2 beat. */
async function playToFirstBeat(
	fake: Club,
	herBot: InProcessBot,
	clock: Clock,
	minutes: number,
	options: Record<string, string | number> = {},
) {
	const started = await startParty(fake, herBot, options);
	clock.set(new Date(started.party.timeline.startAt + minutes * MINUTE_MS));
	await eventually(() => beats(fake, started.party.threadId).length === 1, 'the minute-2 beat');
	return started;
}

async function startParty(fake: Club, herBot: InProcessBot, options: Record<string, string | number> = {}) {
	const guild = fake.guilds.en;
	const { id, response } = await use(fake, {
		kind: 'command',
		name: 'her-watchparty',
		subcommand: 'start',
		options,
		guildId: guild.id,
		channelId: guild.general,
		user: fake.users.en,
	});
	// The host is answered privately; the announcement is the bot's own post, edited with the thread's link.
	const seen = await fake.fake.reply(id);
	const party = await eventually(() => {
		const active = partyStore(herBot.bot.ctx).activeFor(guild.general);
		return active?.status === 'running' && active.threadId ? active : undefined;
	}, 'the party to be running');
	const announcement = await eventually(
		() => fromBot(fake, guild.general).find((message) => String(message.content).includes(`<#${party.threadId}>`)),
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

		const { response, seen, announcement, party } = await startParty(fake, herBot, { in: 1, title: 'Friday film' });
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
			value: `<@${fake.users.en.id}> <@${fake.users.ko.id}>`,
			inline: expect.anything(),
		});

		clock.set(new Date(Date.parse(START) + 3 * MINUTE_MS));
		const [beat] = await eventually(() => {
			const posted = beats(fake, party.threadId);
			return posted.length > 0 && posted;
		}, 'the minute-2 beat');
		expect(beat!.nonce).toBe(postNonce(party.id, beatKey('beat-letters')));
		expect(beat!.embeds[0].title).toBe('⏱ Minute 2');
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
			user: fake.users.en,
		});
		expect(ended.response.type).toBe(5);
		expect(isEphemeral(ended.response.data)).toBe(true);
		expect((await fake.fake.reply(ended.id)).content).toBe('The watch party has ended; the wrap-up is in the thread.');
		const wrapUp = fromBot(fake, party.threadId).at(-1)!;
		expect(wrapUp.nonce).toBe(postNonce(party.id, WRAP_UP_KEY));
		expect(embedText(wrapUp.embeds[1])).toContain(`Joined: <@${fake.users.en.id}> <@${fake.users.ko.id}>`);
		expect(embedText(wrapUp.embeds[1])).toContain(`Beats posted: 1 of ${BEATS.length}`);
		expect(fake.fake.message(controls!.id)!.components).toEqual([]);
		expect(fake.fake.scheduledEvents(guild.id)[0]?.status).toBe(3);
		expect(partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({ status: 'ended', endReason: 'ended-by-host' });
		expectClean(fake);
	});

	test('Given the bot is down from minute 10 to minute 60, then the missed beats are posted once after the restart, marked late', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const databasePath = tempDatabase();
		const first = await bot(fake, clock, databasePath);
		const { party } = await playToFirstBeat(fake, first, clock, 10);
		await first.stop();
		running.bots.splice(running.bots.indexOf(first), 1);

		clock.set(new Date(party.timeline.startAt + 60 * MINUTE_MS));
		await bot(fake, clock, databasePath);
		const posted = await eventually(() => {
			const all = beats(fake, party.threadId);
			return all.length === beatsUpTo(60).length && all;
		}, 'the missed beats');
		expect(posted.map((message) => message.embeds[0].footer.text)).toEqual(beatsUpTo(60));
		expect(posted.slice(1).every((message) => message.embeds[0].description.includes('Posted late'))).toBe(true);
		clock.set(new Date(party.timeline.startAt + 70 * MINUTE_MS));
		await eventually(() => beats(fake, party.threadId).length === beatsUpTo(70).length, 'the minute-70 beat');
		expect(beats(fake, party.threadId).at(-1)!.embeds[0].description).not.toContain('Posted late');
		expectClean(fake);
	});

	test('Given a party in 30 minutes, when the host pauses for 10 minutes and resumes before the start, then the event moves 10 minutes later', async () => {
		const fake = await club();
		const clock = new Clock(START);
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const { party } = await startParty(fake, herBot, { in: 30 });
		const at = (minutes: number) => new Date(Date.parse(START) + minutes * MINUTE_MS).toISOString();
		await eventually(() => fake.fake.scheduledEvents(guild.id)[0], 'the scheduled event');
		const host = { guildId: guild.id, channelId: party.threadId, user: fake.users.en };

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
		const { party } = await playToFirstBeat(fake, herBot, clock, 10);

		fake.fake.dispatch('GUILD_DELETE', { id: guild.id }, { guildId: guild.id });
		await eventually(() => !herBot.bot.client.guilds.cache.has(guild.id), 'the bot to drop the guild');
		clock.set(new Date(party.timeline.startAt + 5 * 60 * MINUTE_MS));
		fake.fake.dispatch('GUILD_CREATE', fake.fake.guildPayload(fake.fake.world.guilds.get(guild.id)!), {
			guildId: guild.id,
		});
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0]);
		expect(embedText(wrapUp.embeds[1])).toContain(`Beats posted: 1 of ${BEATS.length}`);
		expect(embedText(wrapUp.embeds[1])).toContain('I was offline when the film ended');
		expect(beats(fake, party.threadId)).toHaveLength(1);
		expect(partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({
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
		const { party } = await startParty(fake, herBot, { in: 1 });
		const [, controls] = fromBot(fake, party.threadId);
		clock.set(new Date(party.timeline.startAt + 5 * MINUTE_MS));
		await eventually(() => beats(fake, party.threadId).length === 1, 'the minute-2 beat');
		const host = { guildId: guild.id, channelId: party.threadId, user: fake.users.en };
		await use(fake, { kind: 'command', name: 'her-watchparty', subcommand: 'pause', ...host });

		clock.set(new Date(party.timeline.startAt + 5 * MINUTE_MS + PAUSE_LIMIT_MS));
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0]);
		expect(embedText(wrapUp.embeds[1])).toContain('Ran for 5 min');
		expect(embedText(wrapUp.embeds[1])).toContain('Ended after a long pause: nobody resumed it for 6 hours.');
		await fake.fake.waitUntil(() => fake.fake.message(controls!.id)?.components?.length === 0);
		await fake.fake.waitUntil(() => fake.fake.scheduledEvents(guild.id)[0]?.status === 3);
		expect(partyStore(herBot.bot.ctx).get(party.id)).toMatchObject({ status: 'ended', endReason: 'paused-too-long' });
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
		const { party } = await playToFirstBeat(fake, herBot, clock, 5);

		const threadPosts = `/channels/${party.threadId}/messages`;
		const from = fake.fake.requests.length;
		fake.fake.failNext({ method: 'POST', path: threadPosts, status: 500, count: 4 });
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

		clock.set(new Date(party.timeline.startAt + 5 * MINUTE_MS + 10_000));
		const wrapUp = await fake.fake.waitUntil(() => wrapUps(fake, party.threadId)[0]);
		expect(wrapUp.nonce).toBe(postNonce(party.id, WRAP_UP_KEY));
		expect(embedText(wrapUp.embeds[1])).toContain('Ended by the host.');
		const tries = fake.fake.requests
			.slice(from)
			.filter((request) => request.method === 'POST' && request.path === threadPosts);
		expect(tries.map((request) => request.status)).toEqual([500, 500, 500, 500, 200]);
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
			() => partyStore(herBot.bot.ctx).get(party.id)?.timeline.countdownShown === 0,
			'the countdown to finish',
		);
		fake.fake.deleteChannel(party.threadId);
		clock.set(new Date(party.timeline.startAt + 3 * MINUTE_MS));
		await eventually(
			() => partyStore(herBot.bot.ctx).get(party.id)?.endReason === 'channel-gone',
			'the party to end as channel-gone',
		);
		const again = await startParty(fake, herBot);
		expect(again.party.id).not.toBe(party.id);
		expectClean(fake);
	});
});
