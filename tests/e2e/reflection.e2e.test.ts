/**
 * The daily reflection end to end: the real bot against the fake Discord. Time for the bot is a clock the
 * test moves; at each moment the scenario runs the reflection job's tick (`runDueReflections`, the same
 * function the bot's job runs every 5 s) instead of waiting for the timer. The restart scenarios rely
 * on the job's own first tick, which runs as soon as the bot is ready.
 */
import Database from 'better-sqlite3';
import type { Client, PermissionsString } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { NONCE_WINDOW_FLOOR_MS, runDueReflections } from '../../src/reflection/job.js';
import { reflectionNonce } from '../../src/reflection/schedule.js';
import { FORUM_TITLE_LENGTH } from '../../src/reflection/render.js';
import { ReflectionStore } from '../../src/reflection/store.js';
import { openDatabase } from '../../src/store/database.js';
import type { FakeDiscordOptions, Json, User } from '../fake-discord/index.js';
import { dms } from '../fake-discord/rest.js';
import {
	embedText,
	eventually,
	expectClean,
	hold,
	isEphemeral,
	spawnBot,
	stopAfterEach,
	tempDatabase,
	use,
	type Club,
	type ClubGuild,
	type InProcessBot,
	type SpawnedBot,
} from './harness.js';
import { TestClock as Clock } from '../support/context.js';
import { DATABASE_KINDS, createPostgresDatabase } from '../support/databases.js';

const running = stopAfterEach();
const club = (options?: FakeDiscordOptions) => running.startClub(options);
/** A Discord that remembers nonces only as long as the bot counts on, so a restart later is past it. */
const forgetful = { nonceWindowMs: NONCE_WINDOW_FLOOR_MS };
const bot = (club: Club, clock: Clock, databasePath = tempDatabase()) =>
	running.startInProcess(club, { databasePath, now: clock.now });

const tick = (bot: InProcessBot) => runDueReflections(bot.bot.client as Client<true>, bot.bot.ctx);
/** The bot's own posts in a channel (not its answers to commands). */
const fromBot = (club: Club, channelId: string) =>
	club.fake
		.messages(channelId)
		.filter((message) => message.author?.bot === true && message.interaction_metadata === undefined);
/** Waits for the bot's prompt in a channel: the job's own timer may be the tick that posts it. */
const promptIn = (club: Club, channelId: string) =>
	club.fake.waitUntil(() => fromBot(club, channelId).length > 0, { what: 'the daily prompt' });

/** Moves the bot's clock and the fake Discord's together, so message ids and nonces age as the bot sees time. */
function clocks(club: Club, start: string) {
	const clock = new Clock(start);
	const set = (iso: string) => {
		clock.set(iso);
		club.fake.clock.set(Date.parse(iso));
	};
	set(start);
	return { clock, set };
}

/**
 * While on, recording a sent prompt fails, as when the process dies between Discord's answer and the
 * database write: the prompt is in the channel, the database still says "claimed".
 */
function recordingFails(databasePath: string, on: boolean): void {
	const db = new Database(databasePath);
	db.pragma('busy_timeout = 5000');
	db.exec(
		on
			? `CREATE TRIGGER died_before_recording BEFORE UPDATE OF status ON reflection_posts
			   WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'the process died'); END`
			: 'DROP TRIGGER died_before_recording',
	);
	db.close();
}

const sendFailures = (bot: InProcessBot) =>
	bot.logs.filter((record) => record.msg === 'daily reflection send failed; will retry').length;

/** The DMs the bot sent `user`. */
const dmsTo = (club: Club, user: User) =>
	dms(club.fake)
		.sent.filter((sent) => sent.userId === user.id)
		.map((sent) => String(sent.message.content));

/** Waits until the bot sees, from the overwrite the fake set in `channelId`, whether it may do `permission` there. */
async function botSeesPermission(
	club: Club,
	bot: InProcessBot,
	channelId: string,
	permission: PermissionsString,
	granted: boolean,
): Promise<void> {
	const guildId = club.fake.world.channel(channelId)!.guildId;
	await eventually(() => {
		const channel = bot.bot.ctx.guilds.channel(guildId, channelId);
		return channel !== undefined && bot.bot.ctx.guilds.permissionsIn(channel).has(permission) === granted;
	}, 'the bot to see its new permissions');
}

/** `/her-reflection <subcommand>` used by `user` in #general of `guild`: the first response and the text they see. */
async function reflection(
	club: Club,
	guild: ClubGuild,
	user: User,
	subcommand: 'schedule' | 'status' | 'stop' | 'skip' | 'pause' | 'resume',
	options?: Record<string, string | boolean>,
) {
	const { id, response } = await use(club, {
		kind: 'command',
		name: 'her-reflection',
		subcommand,
		options,
		guildId: guild.id,
		channelId: guild.general,
		user,
	});
	const seen = await club.fake.reply(id);
	const embeds = (seen?.embeds ?? []) as { title: string; description: string }[];
	return { response, content: String(seen?.content ?? response.data?.content ?? ''), embeds };
}

describe('daily reflection', () => {
	test('Given an admin schedules 12:30 Seoul time, then status shows it, the prompt arrives at 12:30 once, and stop ends it', async () => {
		const fake = await club();
		const clock = new Clock('2025-05-14T03:00:00Z'); // 12:00 in Seoul
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.ko;

		const scheduled = await reflection(fake, guild, fake.users.koAdmin, 'schedule', {
			channel: guild.general,
			time: '12:30',
		});
		const dueSeconds = Date.parse('2025-05-14T03:30:00Z') / 1000;
		expect(isEphemeral(scheduled.response.data)).toBe(true);
		expect(scheduled.content).toContain(`<t:${dueSeconds}:F>`);
		expect(scheduled.content).toContain(`<t:${dueSeconds}:R>`);
		expect(scheduled.content).toContain('매일 **12:30** (Asia/Seoul)');

		const status = await reflection(fake, guild, fake.users.en, 'status');
		expect(status.content).toContain(`Next prompt: <t:${dueSeconds}:F>`);

		clock.set('2025-05-14T03:29:59Z');
		await tick(herBot);
		expect(fromBot(fake, guild.general)).toHaveLength(0);

		clock.set('2025-05-14T03:30:00Z');
		await tick(herBot);
		await tick(herBot);
		await promptIn(fake, guild.general);
		const posts = fromBot(fake, guild.general);
		expect(posts).toHaveLength(1);
		expect(posts[0]!.nonce).toBe(reflectionNonce(guild.id, guild.general, '2025-05-14'));
		expect(embedText(posts[0]!.embeds[0])).toMatch(/^오늘의 성찰 질문\n/);

		const after = await reflection(fake, guild, fake.users.en, 'status');
		expect(after.content).toContain(`/channels/${guild.id}/${guild.general}/${posts[0]!.id}`);

		const stopped = await reflection(fake, guild, fake.users.koAdmin, 'stop');
		expect(stopped.content).toContain('멈췄어요');
		clock.set('2025-05-15T03:30:00Z');
		await tick(herBot);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given a member without Manage Server or a bad time, then schedule answers with one clear message', async () => {
		const fake = await club();
		await bot(fake, new Clock('2025-05-14T03:00:00Z'));
		const guild = fake.guilds.en;
		const member = await reflection(fake, guild, fake.users.en, 'schedule', { channel: guild.general, time: '09:00' });
		expect(member.content).toContain('Manage Server');
		const badTime = await reflection(fake, guild, fake.users.enAdmin, 'schedule', {
			channel: guild.general,
			time: '9pm',
		});
		expect(badTime.content).toContain('“9pm” is not a time');
		const badZone = await reflection(fake, guild, fake.users.enAdmin, 'schedule', {
			channel: guild.general,
			time: '21:00',
			timezone: 'Seoul',
		});
		expect(badZone.content).toContain('“Seoul” is not a time zone');

		const { response } = await use(fake, {
			kind: 'autocomplete',
			name: 'her-reflection',
			subcommand: 'schedule',
			options: { channel: guild.general, time: '21:00', timezone: 'kath' },
			focused: 'timezone',
			guildId: guild.id,
			channelId: guild.general,
			user: fake.users.enAdmin,
		});
		expect(response.data?.choices).toContainEqual({ name: 'Asia/Kathmandu (UTC+05:45)', value: 'Asia/Kathmandu' });
		expectClean(fake);
	});

	test('Given the channel is deleted, then the schedule pauses with the reason, and scheduling a new channel resumes it', async () => {
		const fake = await club();
		const clock = new Clock('2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const schedule = (channel: string) =>
			reflection(fake, guild, fake.users.enAdmin, 'schedule', { channel, time: '12:30' });
		const reflections = fake.fake.addChannel(guild.id, { name: 'reflections' });
		await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, reflections), 'the bot to see #reflections');
		await schedule(reflections);

		fake.fake.deleteChannel(reflections);
		await eventually(() => !herBot.bot.ctx.guilds.channel(guild.id, reflections), 'the bot to see the deletion');
		clock.set('2025-05-14T03:30:00Z');
		await tick(herBot);
		await tick(herBot);
		const status = await reflection(fake, guild, fake.users.en, 'status');
		expect(status.content).toContain('Paused: the channel was deleted');
		expect(status.content).toContain('/her-reflection schedule');

		clock.set('2025-05-14T03:40:00Z');
		await schedule(guild.general);
		clock.set('2025-05-15T03:30:00Z');
		await tick(herBot);
		await promptIn(fake, guild.general);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given the bot is down at the due time and restarts later that day, then the prompt goes out late, once, across restarts', async () => {
		const fake = await club();
		const databasePath = tempDatabase();
		const clock = new Clock('2025-05-14T03:00:00Z');
		const first = await bot(fake, clock, databasePath);
		const guild = fake.guilds.both;
		await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		await first.stop();

		// Back at 18:00 Seoul time: the job's first tick on ready posts the missed prompt.
		clock.set('2025-05-14T09:00:00Z');
		const second = await bot(fake, clock, databasePath);
		await eventually(() => fromBot(fake, guild.general).length === 1, 'the late prompt');
		await second.waitForLog((record) => record.msg === 'daily reflection posted');
		await second.stop();

		// Restarted again the same day: nothing more.
		const third = await bot(fake, clock, databasePath);
		await tick(third);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expectClean(fake);
	});

	test.each(DATABASE_KINDS)(
		'Given two bot processes share one %s database, then at the due time one prompt goes out',
		async (kind) => {
			const fake = await club();
			const clock = new Clock('2025-05-14T03:00:00Z');
			const database =
				kind === 'postgres'
					? { config: { databaseUrl: (await createPostgresDatabase()).url } }
					: { databasePath: tempDatabase() };
			const a = await running.startInProcess(fake, { now: clock.now, ...database });
			const b = await running.startInProcess(fake, { now: clock.now, ...database });
			const guild = fake.guilds.ko;
			await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel: guild.general, time: '12:30' });
			clock.set('2025-05-14T03:30:00Z');
			// At once on PostgreSQL. Two handles on one SQLite file in one OS process would stall each other in
			// SQLite's busy wait, so there they take turns (tests/reflection-store.test.ts races OS processes).
			if (kind === 'postgres') await Promise.all([tick(a), tick(b), tick(a), tick(b)]);
			else for (const next of [a, b, a, b]) await tick(next);
			await promptIn(fake, guild.general);
			expect(fromBot(fake, guild.general)).toHaveLength(1);
			expectClean(fake);
		},
	);

	test('Given thirty servers due in the same minute and Discord rate-limiting, then every one gets its prompt once', async () => {
		const fake = await club();
		const guilds = fake.fake.addGuilds(30, (i) => ({ name: `club ${i}`, preferredLocale: 'en-US' }));
		const clock = new Clock('2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const store = new ReflectionStore(herBot.bot.ctx.db);
		for (const guild of guilds) {
			await store.save(
				{
					guildId: guild.id,
					channelId: fake.fake.general(guild.id),
					time: '12:30',
					timeZone: 'Asia/Seoul',
					roleId: null,
					thread: true,
					updatedBy: fake.users.enAdmin.id,
				},
				clock.now(),
			);
		}
		fake.fake.setGlobalRateLimit(20);
		fake.fake.failNext({ method: 'POST', path: '/channels/:channel/messages', status: 429, count: 3 });
		clock.set('2025-05-14T03:30:00Z');
		await tick(herBot);
		const generals = guilds.map((guild) => fake.fake.general(guild.id));
		await fake.fake.waitUntil(() => generals.every((general) => fake.fake.threads(general).length > 0), {
			what: 'every prompt and its thread',
		});
		for (const guild of guilds) {
			const general = fake.fake.general(guild.id);
			expect(fromBot(fake, general)).toHaveLength(1);
			expect(fake.fake.threads(general)).toHaveLength(1);
		}
		expect(herBot.logs.some((record) => record.msg === 'rate limited')).toBe(true);
		expectClean(fake);
	});

	test('Given a late post lost in a crash in a busy channel, then the restart past the nonce window finds it and the day is posted once', async () => {
		const fake = await club(forgetful);
		const { clock, set } = clocks(fake, '2025-05-13T23:00:00Z'); // 08:00 in Seoul
		const databasePath = tempDatabase();
		const guild = fake.guilds.ko;
		const first = await bot(fake, clock, databasePath);
		await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel: guild.general, time: '09:00' });
		await first.stop();

		// Down at 09:00, while the members talk all morning.
		set('2025-05-14T03:00:00Z');
		fake.fake.memberSays(guild.general, fake.users.ko, 60);

		// Back at 15:00: the late post's first attempt fails on Discord's side...
		set('2025-05-14T06:00:00Z');
		fake.fake.failNext({ method: 'POST', path: `/channels/${guild.general}/messages`, status: 500, count: 4 });
		const second = await bot(fake, clock, databasePath);
		await eventually(() => sendFailures(second) === 1, 'the first attempt to fail');
		fake.fake.clearFaults();
		set('2025-05-14T06:00:30Z');
		fake.fake.memberSays(guild.general, fake.users.en, 150);

		// ...the retry after its lease goes out, and the process dies before recording it.
		recordingFails(databasePath, true);
		set('2025-05-14T06:02:00Z');
		await tick(second);
		await eventually(() => sendFailures(second) === 2, 'the retry to go out unrecorded');
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		await second.stop();
		recordingFails(databasePath, false);
		set('2025-05-14T06:03:00Z');
		fake.fake.memberSays(guild.general, fake.users.ko, 30);

		// Restarted after Discord forgot the nonce: the search pages from the first attempt and finds the post.
		set('2025-05-14T06:15:00Z');
		const third = await bot(fake, clock, databasePath);
		await third.waitForLog((record) => record.msg === 'daily reflection posted');
		const posts = fromBot(fake, guild.general);
		expect(posts).toHaveLength(1);
		expect(
			await new ReflectionStore(third.bot.ctx.db).post({ guildId: guild.id, channelId: guild.general }, '2025-05-14'),
		).toMatchObject({
			status: 'sent',
			messageId: posts[0]!.id,
		});
		expectClean(fake);
	});

	test('Given the search for a lost post fails with 500s, then nothing is posted blind, and a later try finds the post', async () => {
		const fake = await club(forgetful);
		const { clock, set } = clocks(fake, '2025-05-14T03:00:00Z');
		const databasePath = tempDatabase();
		const guild = fake.guilds.en;
		const first = await bot(fake, clock, databasePath);
		await reflection(fake, guild, fake.users.enAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		recordingFails(databasePath, true);
		set('2025-05-14T03:30:00Z');
		await tick(first);
		await eventually(() => sendFailures(first) === 1, 'the post to go out unrecorded');
		await first.stop();
		recordingFails(databasePath, false);

		set('2025-05-14T03:45:00Z');
		fake.fake.failNext({ method: 'GET', path: `/channels/${guild.general}/messages`, status: 500, count: 8 });
		const second = await bot(fake, clock, databasePath);
		const posted = (bot: InProcessBot) => bot.logs.some((record) => record.msg === 'daily reflection posted');
		await eventually(() => sendFailures(second) === 1 || posted(second), 'the retry to end');
		expect(fromBot(fake, guild.general)).toHaveLength(1);

		fake.fake.clearFaults();
		set('2025-05-14T03:46:00Z');
		await tick(second);
		await second.waitForLog((record) => record.msg === 'daily reflection posted');
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given the bot loses Send Messages, then the admin gets one DM in Korean, and the prompt returns by itself with the permission', async () => {
		const fake = await club();
		const { clock, set } = clocks(fake, '2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.ko;
		await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		fake.fake.setBotOverwrite(guild.general, [], ['SendMessages']);
		await botSeesPermission(fake, herBot, guild.general, 'SendMessages', false);

		set('2025-05-14T03:30:00Z');
		await tick(herBot);
		await fake.fake.waitUntil(() => dmsTo(fake, fake.users.koAdmin).length === 1, { what: 'the DM to the admin' });
		const [notice] = dmsTo(fake, fake.users.koAdmin);
		expect(notice).toContain('일시정지');
		expect(notice).toContain('**메시지 보내기**');
		expect(notice).toContain(`<#${guild.general}>`);
		const status = await reflection(fake, guild, fake.users.en, 'status');
		expect(status.content).toContain('Paused: I lost **Send Messages**');
		expect(status.content).toContain(`<t:${Date.parse('2025-05-15T03:30:00Z') / 1000}:F>`);

		// Still missing the next day: skipped without another DM.
		set('2025-05-15T03:30:00Z');
		await tick(herBot);
		expect(fromBot(fake, guild.general)).toHaveLength(0);

		fake.fake.setBotOverwrite(guild.general, [], []);
		await botSeesPermission(fake, herBot, guild.general, 'SendMessages', true);
		set('2025-05-16T03:30:00Z');
		await tick(herBot);
		await promptIn(fake, guild.general);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expect((await reflection(fake, guild, fake.users.en, 'status')).content).toContain('Next prompt:');
		expect(dmsTo(fake, fake.users.koAdmin)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given Discord fails every try of a day, then the day is given up at warn, the admin is told once, and the next day posts', async () => {
		const fake = await club();
		const { clock, set } = clocks(fake, '2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		await reflection(fake, guild, fake.users.enAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		fake.fake.failNext({ method: 'POST', path: `/channels/${guild.general}/messages`, status: 500, count: 100 });
		for (const minute of ['30', '31', '32', '33', '34']) {
			set(`2025-05-14T03:${minute}:00Z`);
			await tick(herBot);
		}
		const givenUp = await herBot.waitForLog((record) => record.msg === 'daily reflection given up');
		expect(givenUp.level).toBe(40);
		await fake.fake.waitUntil(() => dmsTo(fake, fake.users.enAdmin).length === 1, { what: 'the DM to the admin' });
		expect(dmsTo(fake, fake.users.enAdmin)[0]).toContain('for 2025-05-14 did not go out');

		fake.fake.clearFaults();
		set('2025-05-15T03:30:00Z');
		await tick(herBot);
		await promptIn(fake, guild.general);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expect(dmsTo(fake, fake.users.enAdmin)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given the channel is deleted and the admin’s DMs are closed, then a warn line says what they would have been told', async () => {
		const fake = await club();
		const { clock, set } = clocks(fake, '2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		dms(fake.fake).closed.add(fake.users.enAdmin.id);
		const reflections = fake.fake.addChannel(guild.id, { name: 'reflections' });
		await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, reflections), 'the bot to see #reflections');
		await reflection(fake, guild, fake.users.enAdmin, 'schedule', { channel: reflections, time: '12:30' });
		fake.fake.deleteChannel(reflections);
		await eventually(() => !herBot.bot.ctx.guilds.channel(guild.id, reflections), 'the bot to see the deletion');

		set('2025-05-14T03:30:00Z');
		await tick(herBot);
		const warning = await herBot.waitForLog(
			(record) => record.msg === 'could not DM the admin about the daily reflection',
		);
		expect(warning).toMatchObject({ level: 40, guildId: guild.id, userId: fake.users.enAdmin.id });
		expect(warning.notice).toContain('is paused: the channel was deleted');
		expect(dmsTo(fake, fake.users.enAdmin)).toEqual([]);
		expectClean(fake);
	});
});

/** `<t:…:F>` for an instant, as the answers show it. */
const stamp = (iso: string) => `<t:${Date.parse(iso) / 1000}:F>`;
/** The forum posts (threads) the bot opened in a forum, oldest first. */
const forumPosts = (club: Club, forumId: string) =>
	[...club.fake.world.guilds.values()]
		.flatMap((guild) => [...guild.channels.values()])
		.filter((thread) => thread.parentId === forumId && thread.ownerId === club.fake.bot.id);
const footerOf = (message: Json) => String(message.embeds[0].footer.text);

describe('daily reflection: rhythms, forums, pins, skip and pause', () => {
	test('Given a daily schedule in #general and a Sunday one in a tagged forum, then status lists both, each posts on its own days, the forum post is titled and tagged, and status counts its replies', async () => {
		const fake = await club();
		const clock = new Clock('2025-05-16T03:00:00Z'); // Friday, 12:00 in Seoul
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const forum = fake.fake.addForum(guild.id, 'reflections', ['Weekly', 'Spoilers']);
		await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, forum.id), 'the bot to see the forum');

		const tagsOffered = await use(fake, {
			kind: 'autocomplete',
			name: 'her-reflection',
			subcommand: 'schedule',
			options: { channel: forum.id, time: '12:30', tag: 'wee' },
			focused: 'tag',
			guildId: guild.id,
			channelId: guild.general,
			user: fake.users.enAdmin,
		});
		expect(tagsOffered.response.data?.choices).toEqual([{ name: 'Weekly', value: forum.tags[0]!.id }]);

		await reflection(fake, guild, fake.users.enAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		const sunday = await reflection(fake, guild, fake.users.enAdmin, 'schedule', {
			channel: forum.id,
			time: '12:30',
			days: 'sun',
			tag: 'weekly',
		});
		expect(sunday.content).toContain('Sun at **12:30** (Asia/Seoul)');
		expect(sunday.content).toContain('Each prompt is a new forum post tagged **Weekly**.');
		expect(sunday.content).toContain(`Next prompt: ${stamp('2025-05-18T03:30:00Z')}`);

		const status = await reflection(fake, guild, fake.users.en, 'status');
		expect(status.content).toContain('2 daily reflections (a server may have 5).');
		expect(status.embeds.map((embed) => embed.title)).toEqual([
			'Daily reflection · #general',
			'Daily reflection · #reflections',
		]);
		expect(status.embeds[0]!.description).toContain(`Next prompt: ${stamp('2025-05-16T03:30:00Z')}`);
		expect(status.embeds[1]!.description).toContain('Days: Sun');
		expect(status.embeds[1]!.description).toContain('Forum post per prompt: yes · Tag: Weekly');
		expect(status.embeds[1]!.description).toContain(`Next prompt: ${stamp('2025-05-18T03:30:00Z')}`);

		for (const day of ['2025-05-16', '2025-05-17', '2025-05-18']) {
			clock.set(`${day}T03:30:00Z`);
			await tick(herBot);
		}
		await fake.fake.waitUntil(() => forumPosts(fake, forum.id).length === 1, { what: 'the Sunday forum post' });
		expect(fromBot(fake, guild.general)).toHaveLength(3);
		const [post] = forumPosts(fake, forum.id);
		expect(post!.appliedTags).toEqual([forum.tags[0]!.id]);
		expect(post!.name.startsWith('💭 ')).toBe(true);
		expect(post!.name.length).toBeLessThanOrEqual(FORUM_TITLE_LENGTH + '💭 '.length);
		const [starter] = fake.fake.messages(post!.id);
		expect(starter!.id).toBe(post!.id);
		// One rotation per server: the forum's prompt is none of the three in #general.
		const prompts = [...fromBot(fake, guild.general), starter!].map(footerOf);
		expect(new Set(prompts).size).toBe(4);

		fake.fake.memberSays(post!.id, fake.users.en, 3);
		const after = await reflection(fake, guild, fake.users.en, 'status');
		expect(after.embeds[1]!.description).toContain(`/channels/${guild.id}/${post!.id}/${post!.id}) · 3 replies`);
		expect(after.embeds[1]!.description).toContain(`Next prompt: ${stamp('2025-05-25T03:30:00Z')}`);
		expectClean(fake);
	});

	test('Given skip, pause and resume, then each answer says what happens next, and neither the skipped day nor the paused days are posted, not even after resume', async () => {
		const fake = await club();
		const clock = new Clock('2025-05-14T03:00:00Z'); // Wednesday, 12:00 in Seoul
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.en;
		const act = (subcommand: 'skip' | 'pause' | 'resume') => reflection(fake, guild, fake.users.enAdmin, subcommand);
		const scheduled = await reflection(fake, guild, fake.users.enAdmin, 'schedule', {
			channel: guild.general,
			time: '12:30',
			days: 'weekdays',
		});
		expect(scheduled.content).toContain('weekdays at **12:30**');

		const skipped = await act('skip');
		expect(skipped.content).toBe(
			`The prompt of **2025-05-14** in <#${guild.general}> (${stamp('2025-05-14T03:30:00Z')} (<t:${Date.parse('2025-05-14T03:30:00Z') / 1000}:R>)) is skipped. Next prompt: ${stamp('2025-05-15T03:30:00Z')} (<t:${Date.parse('2025-05-15T03:30:00Z') / 1000}:R>).`,
		);
		clock.set('2025-05-14T03:30:00Z');
		await tick(herBot);
		expect(fromBot(fake, guild.general)).toHaveLength(0);
		clock.set('2025-05-15T03:30:00Z');
		await tick(herBot);
		await promptIn(fake, guild.general);

		const paused = await act('pause');
		expect(paused.content).toContain('is paused: nothing is posted until `/her-reflection resume`');
		expect((await reflection(fake, guild, fake.users.en, 'status')).content).toContain(
			`Paused: by <@${fake.users.enAdmin.id}>, until \`/her-reflection resume\``,
		);
		expect((await act('pause')).content).toContain('already paused');
		for (const moment of ['2025-05-16T03:30:00Z', '2025-05-19T03:30:00Z', '2025-05-19T04:00:00Z']) {
			clock.set(moment);
			await tick(herBot);
		}
		// Resumed on Monday after 12:30: not Friday's, not today's; Tuesday's is next.
		const resumed = await act('resume');
		expect(resumed.content).toContain(`running again. Next prompt: ${stamp('2025-05-20T03:30:00Z')}`);
		await tick(herBot);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		clock.set('2025-05-20T03:30:00Z');
		await tick(herBot);
		await fake.fake.waitUntil(() => fromBot(fake, guild.general).length === 2, { what: 'Tuesday’s prompt' });
		expect((await act('resume')).content).toContain('is not paused');
		expectClean(fake);
	});

	test('Given pin on, then each new prompt is pinned and the one before unpinned; without Pin Messages the prompt still goes out and status and check name it', async () => {
		const fake = await club();
		const clock = new Clock('2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const guild = fake.guilds.ko;
		const pins = fake.fake.addChannel(guild.id, {
			name: 'pins',
			overwrites: [{ id: fake.fake.bot.id, type: 1, allow: ['PinMessages'] }],
		});
		await eventually(() => herBot.bot.ctx.guilds.channel(guild.id, pins), 'the bot to see #pins');
		for (const channel of [pins, guild.general]) {
			await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel, time: '12:30', pin: true });
		}
		const status = await reflection(fake, guild, fake.users.koAdmin, 'status');
		expect(status.embeds[0]!.description).toContain('질문마다 고정: 예\n');
		expect(status.embeds[1]!.description).toContain(
			'질문마다 고정: 예, 하지만 그 채널에서 **메시지 고정하기** 권한이 없어',
		);
		const { id } = await use(fake, {
			kind: 'command',
			name: 'her-settings',
			subcommand: 'check',
			options: { channel: guild.general },
			guildId: guild.id,
			channelId: guild.general,
			user: fake.users.koAdmin,
		});
		expect(embedText(((await fake.fake.reply(id)).embeds as never[])[0])).toContain('❌ 메시지 고정하기 — ');

		for (const day of ['2025-05-14', '2025-05-15']) {
			clock.set(`${day}T03:30:00Z`);
			await tick(herBot);
		}
		await fake.fake.waitUntil(() => fromBot(fake, pins).some((message) => message.pinned), { what: 'a pin' });
		const [first, second] = fromBot(fake, pins);
		expect([first!.pinned, second!.pinned]).toEqual([false, true]);
		// No right to pin in #general: both days went out all the same, unpinned.
		expect(fromBot(fake, guild.general).map((message) => message.pinned)).toEqual([false, false]);
		expectClean(fake);
	});

	test('Given bad input, then each is answered with what is accepted: a day that isn’t one, a tag the forum lacks, a voice channel, pin in a forum, a sixth schedule', async () => {
		const fake = await club();
		const herBot = await bot(fake, new Clock('2025-05-14T03:00:00Z'));
		const guild = fake.guilds.en;
		const forum = fake.fake.addForum(guild.id, 'reflections', ['Weekly']);
		const voice = fake.fake.addChannel(guild.id, { name: 'lounge', type: 2 });
		const extra = [1, 2, 3, 4, 5].map((n) => fake.fake.addChannel(guild.id, { name: `club-${n}` }));
		await eventually(() => extra.every((channel) => herBot.bot.ctx.guilds.channel(guild.id, channel)), 'the channels');
		const schedule = (options: Record<string, string | boolean>) =>
			reflection(fake, guild, fake.users.enAdmin, 'schedule', { time: '12:30', ...options });

		expect((await schedule({ channel: guild.general, days: 'mon,funday' })).content).toBe(
			'“funday” is not a day I know. Write days like `sat,sun` or `mon-fri`, or `weekdays`, `weekends`, `daily`.',
		);
		expect((await schedule({ channel: forum.id, tag: 'Monthly' })).content).toBe(
			`<#${forum.id}> has no tag “Monthly”. Its tags: **Weekly**.`,
		);
		expect((await schedule({ channel: voice })).content).toContain('Choose a text, announcement or forum channel.');
		expect((await schedule({ channel: forum.id, pin: true })).content).toContain('can’t be pinned');
		expect((await schedule({ channel: guild.general, tag: 'Weekly' })).content).toContain('only for forum channels');
		for (const channel of extra) await schedule({ channel });
		expect((await schedule({ channel: guild.general })).content).toContain('already has 5 daily reflections');
		// Editing one of the five is still fine, and stop wants to know which.
		expect((await schedule({ channel: extra[0]!, time: '13:00' })).content).toContain('**13:00**');
		expect((await reflection(fake, guild, fake.users.enAdmin, 'stop')).content).toContain('Name one with `channel`.');
		expect((await reflection(fake, guild, fake.users.enAdmin, 'stop', { channel: extra[4]! })).content).toContain(
			'stopped',
		);
		expect(await new ReflectionStore(herBot.bot.ctx.db).list(guild.id)).toHaveLength(4);
		expectClean(fake);
	});
});

describe('daily reflection in a forum, across a SIGKILL', () => {
	const spawned: SpawnedBot[] = [];
	afterEach(async () => {
		for (const started of spawned.splice(0)) await started.kill('SIGKILL');
	});

	test('Given the bot is SIGKILLed after Discord took the forum post but before it heard back, then the restarted bot finds that post and the day has one', async () => {
		const fake = await club();
		const guild = fake.guilds.en;
		const forum = fake.fake.addForum(guild.id, 'reflections', ['Weekly']);
		const databasePath = tempDatabase();
		const db = await openDatabase({ path: databasePath });
		const now = new Date();
		const key = { guildId: guild.id, channelId: forum.id };
		await new ReflectionStore(db).save(
			{
				...key,
				time: '00:00',
				timeZone: 'Asia/Seoul',
				roleId: null,
				thread: false,
				forumTagId: forum.tags[0]!.id,
				updatedBy: fake.users.enAdmin.id,
			},
			now,
		);
		// 00:00 Seoul has come today whatever the hour (the spawned bot runs on the real clock): due, late.
		await db
			.updateTable('reflection_schedules')
			.set({ next_due_at: now.getTime() - 1_000 })
			.execute();
		await db.destroy();

		// The worst moment: Discord has the request; the bot dies before it hears back.
		const held = hold(fake.fake, { method: 'POST', path: `/channels/${forum.id}/threads`, count: 1 });
		const first = spawnBot(fake, { databasePath });
		spawned.push(first);
		await fake.fake.waitUntil(() => fake.fake.held.size > 0, { what: 'the forum post in flight' });
		expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
		held.release();
		await fake.fake.waitUntil(() => forumPosts(fake, forum.id).length === 1, { what: 'Discord to create the post' });

		// A minute on, the dead process's claim is past its lease (40 s): what a restart a little later finds.
		const aging = new Database(databasePath);
		aging
			.prepare(
				'UPDATE reflection_posts SET claimed_at = claimed_at - 60000, first_claimed_at = first_claimed_at - 60000',
			)
			.run();
		aging.close();
		const second = spawnBot(fake, { databasePath });
		spawned.push(second);
		await eventually(
			() => second.logs().find((record) => record.msg === 'daily reflection posted'),
			'the restarted bot to record the post',
			20_000,
		);
		const posts = forumPosts(fake, forum.id);
		expect(posts).toHaveLength(1);
		expect(fake.fake.messages(posts[0]!.id)).toHaveLength(1);
		expect(second.logs().find((record) => record.msg === 'daily reflection posted')).toMatchObject({ retry: true });
		const check = new Database(databasePath, { readonly: true });
		const row = check.prepare('SELECT status, message_id, thread_id FROM reflection_posts').get();
		check.close();
		expect(row).toEqual({ status: 'sent', message_id: posts[0]!.id, thread_id: posts[0]!.id });
		// Only the first process ever asked Discord to create one.
		expect(
			fake.fake.requests.filter(
				(request) => request.method === 'POST' && request.path === `/channels/${forum.id}/threads`,
			),
		).toHaveLength(1);
		expectClean(fake);
	});
});
