/**
 * One member can't flood a channel through the bot: five public posts a minute per member and channel
 * (`FLOOD_LIMIT`, default 5), whichever commands or buttons make them. The bot reads the fake
 * Discord's clock, frozen here, so "a minute later" is a step of that clock, not a wait.
 */
import { describe, expect, test } from 'vitest';
import { common } from '../../src/i18n/common.js';
import type { InteractInit, Json, User } from '../fake-discord/index.js';
import {
	buttonId,
	expectClean,
	isEphemeral,
	MEMBERS,
	press,
	stopAfterEach,
	use,
	type Club,
	type ClubGuild,
} from './harness.js';

const running = stopAfterEach();
const START = Date.parse('2026-03-01T12:00:00.000Z');

/** A club whose bot has the default limit and reads the fake's clock, frozen at `START`. */
async function floodGuarded(): Promise<Club> {
	const club = await running.startClub();
	club.fake.clock.set(START);
	await running.startInProcess(
		{ ...club, config: { ...club.config, floodLimit: 5 } },
		{ now: () => new Date(club.fake.clock.now()) },
	);
	return club;
}

type Ask = Omit<Extract<InteractInit, { kind: 'command' }>, 'guildId' | 'channelId' | 'user'>;
const QUOTE: Ask = { kind: 'command', name: 'her-quote' };

async function ask(club: Club, guild: ClubGuild, user: User, what: Ask = QUOTE, channelId = guild.general) {
	const used = await use(club, { ...what, guildId: guild.id, channelId, user });
	return club.fake.reply(used.id);
}

const publicPosts = (club: Club, channelId: string): Json[] =>
	club.fake.messages(channelId).filter((message) => !isEphemeral(message));

/** What a refused member reads: when they may post again, as a Discord timestamp their client shows relative. */
const slowDown = (lang: 'ko' | 'en', retryAtMs: number) => common[lang].slowDown(Math.ceil(retryAtMs / 1000));

describe('a member posting too often in one channel', () => {
	test.each(MEMBERS)(
		'Given a $member member asked for five quotes within a minute, then the sixth is answered to them alone, in their language, with when to try again, and posts nothing',
		async ({ member, lang }) => {
			const club = await floodGuarded();
			const { en: guild } = club.guilds;
			const user = club.users[member];
			for (let second = 0; second < 50; second += 10) {
				club.fake.clock.set(START + second * 1000);
				expect(isEphemeral(await ask(club, guild, user))).toBe(false);
			}
			expect(publicPosts(club, guild.general)).toHaveLength(5);

			club.fake.clock.set(START + 55_000);
			const refused = await ask(club, guild, user);
			expect(isEphemeral(refused)).toBe(true);
			expect(refused.content).toBe(slowDown(lang, START + 60_000));
			expect(refused.embeds ?? []).toEqual([]);
			expect(publicPosts(club, guild.general)).toHaveLength(5);

			// A minute after the first quote, one more fits in the window again.
			club.fake.clock.set(START + 60_000);
			expect(isEphemeral(await ask(club, guild, user))).toBe(false);
			expect(publicPosts(club, guild.general)).toHaveLength(6);
			expectClean(club);
		},
	);

	test('Given five public posts made with /her-question, /her-recommend, /her-reflection now and Another, then a sixth of any kind is refused, but Discuss and /her-reflection status still answer', async () => {
		const club = await floodGuarded();
		const { en: guild } = club.guilds;
		const user = club.users.en;
		const quote = await ask(club, guild, user);
		await ask(club, guild, user, { kind: 'command', name: 'her-question' });
		await ask(club, guild, user, { kind: 'command', name: 'her-recommend' });
		await ask(club, guild, user, { kind: 'command', name: 'her-reflection', subcommand: 'now' });
		expect(isEphemeral((await press(club, guild, user, quote, buttonId(quote, 'another'))).message)).toBe(false);
		expect(publicPosts(club, guild.general)).toHaveLength(5);

		const refusals: Json[] = [
			(await press(club, guild, user, quote, buttonId(quote, 'another'))).message,
			await ask(club, guild, user, QUOTE),
			await ask(club, guild, user, { kind: 'command', name: 'her-question' }),
			await ask(club, guild, user, { kind: 'command', name: 'her-recommend' }),
			await ask(club, guild, user, { kind: 'command', name: 'her-reflection', subcommand: 'now' }),
		];
		for (const refused of refusals) {
			expect(isEphemeral(refused)).toBe(true);
			expect(refused.content).toBe(slowDown('en', START + 60_000));
		}
		expect(publicPosts(club, guild.general)).toHaveLength(5);

		const status = await ask(club, guild, user, { kind: 'command', name: 'her-reflection', subcommand: 'status' });
		expect(status.content).not.toBe(slowDown('en', START + 60_000));
		const discussed = await press(club, guild, user, quote, buttonId(quote, 'discuss'));
		expect(discussed.message.content).not.toBe(slowDown('en', START + 60_000));
		expect(club.fake.threads(guild.general).map((thread) => thread.id)).toEqual([quote.id]);
		expectClean(club);
	});

	test('Given one member is at the limit in #general, then another member there, and they in another channel, still post', async () => {
		const club = await floodGuarded();
		const { ko: guild } = club.guilds;
		for (let i = 0; i < 5; i++) await ask(club, guild, club.users.ko);
		expect(isEphemeral(await ask(club, guild, club.users.ko))).toBe(true);

		expect(isEphemeral(await ask(club, guild, club.users.en))).toBe(false);
		const elsewhere = guild.channels['no-thread-posts']!;
		expect(isEphemeral(await ask(club, guild, club.users.ko, QUOTE, elsewhere))).toBe(false);
		expect(publicPosts(club, guild.general)).toHaveLength(6);
		expect(publicPosts(club, elsewhere)).toHaveLength(1);
		expectClean(club);
	});
});
