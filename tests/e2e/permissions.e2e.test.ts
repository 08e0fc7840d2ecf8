/**
 * The bot without a permission it needs in a channel: the member is told, in their language and only to
 * them, which permission is missing, and nothing the bot meant to post is thrown away silently. Interaction
 * replies themselves need no channel permission on Discord; threads and posts in them do.
 */
import { describe, expect, test } from 'vitest';
import { common } from '../../src/i18n/common.js';
import type { Lang } from '../../src/i18n/index.js';
import type { Json, User } from '../fake-discord/index.js';
import { buttonId, expectClean, isEphemeral, MEMBERS, press, sharedClub, use } from './harness.js';

const { club, bot } = sharedClub();

const channel = (name: string): string => club.guilds.ko.channels[name]!;
const missingText = (lang: Lang, permissions: string | string[], channelId: string) =>
	common[lang].missingPermissions(
		[permissions]
			.flat()
			.map((permission) => common[lang].permission[permission]!)
			.join(common[lang].listSeparator),
		`<#${channelId}>`,
	);

async function command(user: User, channelId: string, name: string, options: Record<string, string | boolean> = {}) {
	const used = await use(club, { kind: 'command', name, options, guildId: club.guilds.ko.id, channelId, user });
	return { ...used, message: await club.fake.reply(used.id) };
}

const discuss = (user: User, quoteMessage: Json) =>
	press(club, club.guilds.ko, user, quoteMessage, buttonId(quoteMessage, 'discuss'));

describe('a channel where the bot may not Send Messages, Embed Links or Create Public Threads', () => {
	test.each(MEMBERS)(
		'Given a $member member asks for a quote, then it still arrives: a reply needs none of them',
		async ({ member }) => {
			const { message } = await command(club.users[member], channel('locked'), 'her-quote');
			expect(isEphemeral(message)).toBe(false);
			expect(message.embeds).toHaveLength(1);
			expect(String((message.embeds as Json[])[0]!.description).length).toBeGreaterThan(0);
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given a $member member presses Discuss, then only they are told that Create Public Threads and Embed Links are missing, and no thread opens',
		async ({ member, lang }) => {
			const quote = await command(club.users.en, channel('locked'), 'her-quote');
			const pressed = await discuss(club.users[member], quote.message);
			expect(isEphemeral(pressed.message)).toBe(true);
			expect(pressed.message.content).toBe(missingText(lang, ['CreatePublicThreads', 'EmbedLinks'], channel('locked')));
			expect(club.fake.threads(channel('locked'))).toEqual([]);
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given a $member member asks for a question with thread:true, then only they are told that Create Public Threads is missing, and nothing is posted',
		async ({ member, lang }) => {
			const before = club.fake.messages(channel('locked')).filter((message) => !isEphemeral(message)).length;
			const { message } = await command(club.users[member], channel('locked'), 'her-question', { thread: true });
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(missingText(lang, 'CreatePublicThreads', channel('locked')));
			expect(club.fake.messages(channel('locked')).filter((posted) => !isEphemeral(posted))).toHaveLength(before);
			expect(club.fake.threads(channel('locked'))).toEqual([]);
			expectClean(club);
		},
	);

	test('Given the question without a thread, then it is posted as a reply', async () => {
		const { message } = await command(club.users.ko, channel('locked'), 'her-question');
		expect(isEphemeral(message)).toBe(false);
		expect(message.embeds).toHaveLength(1);
		expectClean(club);
	});

	test('Given an admin then allows Create Public Threads and Embed Links there, then Discuss opens the thread (Send Messages is not needed)', async () => {
		club.fake.setBotOverwrite(channel('locked'), ['CreatePublicThreads', 'EmbedLinks'], ['SendMessages']);
		const quote = await command(club.users.en, channel('locked'), 'her-quote');
		const pressed = await discuss(club.users.en, quote.message);
		expect(pressed.message.content).toBe(`Thread opened: <#${String(quote.message.id)}>`);
		expect(club.fake.threads(channel('locked')).map((thread) => thread.id)).toEqual([quote.message.id]);
		const [question] = club.fake.messages(String(quote.message.id));
		expect(question?.embeds).toHaveLength(1);
		expectClean(club);
	});
});

describe('a channel where the bot may not Send Messages in Threads', () => {
	test.each(MEMBERS)(
		'Given a $member member presses Discuss, then only they are told that Send Messages in Threads is missing, and no empty thread is left',
		async ({ member, lang }) => {
			const quote = await command(club.users.en, channel('no-thread-posts'), 'her-quote');
			const pressed = await discuss(club.users[member], quote.message);
			expect(isEphemeral(pressed.message)).toBe(true);
			expect(pressed.message.content).toBe(missingText(lang, 'SendMessagesInThreads', channel('no-thread-posts')));
			expect(club.fake.threads(channel('no-thread-posts'))).toEqual([]);
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given a $member member asks for a question with thread:true, then only they are told that Send Messages in Threads is missing',
		async ({ member, lang }) => {
			const { message } = await command(club.users[member], channel('no-thread-posts'), 'her-question', {
				thread: true,
			});
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(missingText(lang, 'SendMessagesInThreads', channel('no-thread-posts')));
			expectClean(club);
		},
	);
});

describe('a channel where the bot may not Embed Links', () => {
	test.each(MEMBERS)(
		'Given a $member member presses Discuss, then the question in the thread is readable or they are told that Embed Links is missing',
		async ({ member, lang }) => {
			const stripped = club.fake.strippedEmbeds.length;
			const quote = await command(club.users.en, channel('no-embeds'), 'her-quote');
			const pressed = await discuss(club.users[member], quote.message);
			// Discord drops the embeds of a channel post without Embed Links: an empty post in a new thread.
			expect(club.fake.strippedEmbeds.slice(stripped), 'posts whose embeds Discord dropped').toEqual([]);
			const thread = club.fake.threads(channel('no-embeds')).find((candidate) => candidate.id === quote.message.id);
			if (thread) {
				const [post] = club.fake.messages(String(thread.id));
				expect(String(post?.content ?? '') + JSON.stringify(post?.embeds ?? [])).toMatch(/\S{20}/);
			} else {
				expect(isEphemeral(pressed.message)).toBe(true);
				expect(pressed.message.content).toBe(missingText(lang, 'EmbedLinks', channel('no-embeds')));
			}
			expectClean(club);
		},
	);
});

test('Then, after all of the above, the bot logged no error: a missing permission is the user’s to fix', () => {
	expect(bot.logs.filter((record) => record.level >= 50)).toEqual([]);
});
