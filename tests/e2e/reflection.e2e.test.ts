/**
 * The daily reflection end to end: the real bot against the fake Discord. Time for the bot is a clock the
 * test moves; at each moment the scenario runs the reflection job's tick (`runDueReflections`, the same
 * function the bot's job runs every 5 s) instead of waiting for the timer. The restart scenarios rely
 * on the job's own first tick, which runs as soon as the bot is ready.
 */
import type { Client } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { runDueReflections } from '../../src/reflection/job.js';
import { reflectionNonce } from '../../src/reflection/schedule.js';
import { ReflectionStore } from '../../src/reflection/store.js';
import type { User } from '../fake-discord/index.js';
import {
	embedText,
	eventually,
	expectClean,
	isEphemeral,
	stopAfterEach,
	tempDatabase,
	use,
	type Club,
	type ClubGuild,
	type InProcessBot,
} from './harness.js';
import { TestClock as Clock } from '../support/context.js';

const running = stopAfterEach();
const club = () => running.startClub();
const bot = (club: Club, clock: Clock, databasePath = tempDatabase()) =>
	running.startInProcess(club, { databasePath, now: clock.now });

const tick = (bot: InProcessBot) => runDueReflections(bot.bot.client as Client<true>, bot.bot.ctx);
/** The bot's own posts in a channel (not its answers to commands). */
const fromBot = (club: Club, channelId: string) =>
	club.fake
		.messages(channelId)
		.filter((message) => message.author?.bot === true && message.interaction_metadata === undefined);

/** `/her-reflection <subcommand>` used by `user` in #general of `guild`: the first response and the text they see. */
async function reflection(
	club: Club,
	guild: ClubGuild,
	user: User,
	subcommand: 'schedule' | 'status' | 'stop',
	options?: Record<string, string>,
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
	return { response, content: String(seen?.content ?? response.data?.content ?? '') };
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
		const posts = fromBot(fake, guild.general);
		expect(posts).toHaveLength(1);
		expect(posts[0]!.nonce).toBe(reflectionNonce(guild.id, '2025-05-14'));
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
		await eventually(() => herBot.bot.client.channels.cache.has(reflections), 'the bot to see #reflections');
		await schedule(reflections);

		fake.fake.deleteChannel(reflections);
		await eventually(() => !herBot.bot.client.channels.cache.has(reflections), 'the bot to see the deletion');
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

	test('Given two bot processes share one database, then at the due time one prompt goes out', async () => {
		const fake = await club();
		const databasePath = tempDatabase();
		const clock = new Clock('2025-05-14T03:00:00Z');
		const a = await bot(fake, clock, databasePath);
		const b = await bot(fake, clock, databasePath);
		const guild = fake.guilds.ko;
		await reflection(fake, guild, fake.users.koAdmin, 'schedule', { channel: guild.general, time: '12:30' });
		clock.set('2025-05-14T03:30:00Z');
		await Promise.all([tick(a), tick(b), tick(a), tick(b)]);
		expect(fromBot(fake, guild.general)).toHaveLength(1);
		expectClean(fake);
	});

	test('Given thirty servers due in the same minute and Discord rate-limiting, then every one gets its prompt once', async () => {
		const fake = await club();
		const guilds = fake.fake.addGuilds(30, (i) => ({ name: `club ${i}`, preferredLocale: 'en-US' }));
		const clock = new Clock('2025-05-14T03:00:00Z');
		const herBot = await bot(fake, clock);
		const store = new ReflectionStore(herBot.bot.ctx.db);
		for (const guild of guilds) {
			store.save(
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
		for (const guild of guilds) {
			const general = fake.fake.general(guild.id);
			expect(fromBot(fake, general)).toHaveLength(1);
			expect(fake.fake.threads(general)).toHaveLength(1);
		}
		expect(herBot.logs.some((record) => record.msg === 'rate limited')).toBe(true);
		expectClean(fake);
	});
});
