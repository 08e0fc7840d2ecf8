/**
 * Faults Discord really produces, against the bot as `npm start` builds it: rate limits (per route and
 * global), server errors, the gateway dropping or asking for a reconnect, and interactions the bot cannot
 * make sense of. In each case a member gets exactly one answer within Discord's 3 seconds, nothing is
 * posted twice, and the next interaction still works.
 */
import { describe, expect, test } from 'vitest';
import { common } from '../../src/i18n/common.js';
import { contentText } from '../../src/i18n/content.js';
import type { Lang } from '../../src/i18n/index.js';
import type { InteractInit, Json, RecordedRequest, User } from '../fake-discord/index.js';
import { buttonId, eventually, expectClean, isEphemeral, MEMBERS, press, sharedClub, use } from './harness.js';

const CALLBACK = '/interactions/:interaction/:token/callback';
const CHANNEL_POST = '/channels/:channel/messages';
const START_THREAD = '/channels/:channel/messages/:message/threads';

const { club, bot } = sharedClub();

type Where = { guildId: string; channelId: string };
const here = (): Where => ({ guildId: club.guilds.en.id, channelId: club.guilds.en.general });

async function quote(user: User = club.users.en, where: Where = here()) {
	const used = await use(club, { kind: 'command', name: 'her-quote', ...where, user });
	return { ...used, message: await club.fake.reply(used.id) };
}

const discuss = (quoteMessage: Json, user: User = club.users.en) =>
	press(club, club.guilds.en, user, quoteMessage, buttonId(quoteMessage, 'discuss'));

/** The first `count` POSTs to `route` recorded from index `from` on, once that many have been answered. */
const requestsTo = (route: string, from: number, count: number): Promise<RecordedRequest[]> =>
	club.fake.waitUntil(() => {
		const found = club.fake.requests
			.slice(from)
			.filter((request) => request.method === 'POST' && request.route === route);
		return found.length >= count ? found.slice(0, count) : undefined;
	});

/** The next /her-quote is answered normally: the bot is still up and listening. */
async function stillAnswers(): Promise<void> {
	const { response, message } = await quote();
	expect(response.type).toBe(4);
	expect(message.embeds).toHaveLength(1);
}

describe('rate limits', () => {
	test('Given the reply is rate limited per route (429, retry_after 0.3 s), then the bot waits and the quote arrives once', async () => {
		const from = club.fake.requests.length;
		club.fake.failNext({ method: 'POST', path: CALLBACK, status: 429, retryAfter: 0.3 });
		const { message } = await quote();
		const calls = await requestsTo(CALLBACK, from, 2);
		expect(calls.map((request) => request.status)).toEqual([429, 204]);
		expect(calls[1]!.time - calls[0]!.time).toBeGreaterThanOrEqual(250);
		expect(message.embeds).toHaveLength(1);
		expectClean(club);
	});

	test.each([
		{ scope: 'per route', global: false },
		{ scope: 'global', global: true },
	])(
		'Given the question posted into a Discuss thread is rate limited ($scope), then it arrives once after the wait',
		async ({ global }) => {
			const { message } = await quote();
			const from = club.fake.requests.length;
			club.fake.failNext({ method: 'POST', path: CHANNEL_POST, status: 429, retryAfter: 0.3, global });
			const pressed = await discuss(message);
			const posts = await requestsTo(CHANNEL_POST, from, 2);
			expect(posts.map((request) => request.status)).toEqual([429, 200]);
			expect(posts[1]!.time - posts[0]!.time).toBeGreaterThanOrEqual(250);
			expect(club.fake.messages(String(message.id))).toHaveLength(1);
			expect(pressed.message.content).toBe(contentText.en.threadOpened(String(message.id)));
			expectClean(club);
		},
	);

	test('Given opening the thread is rate limited, then one thread opens after the wait', async () => {
		const { message } = await quote();
		const from = club.fake.requests.length;
		club.fake.failNext({ method: 'POST', path: START_THREAD, status: 429, retryAfter: 0.3 });
		const pressed = await discuss(message);
		expect((await requestsTo(START_THREAD, from, 2)).map((request) => request.status)).toEqual([429, 201]);
		expect(club.fake.threads(club.guilds.en.general).filter((thread) => thread.id === message.id)).toHaveLength(1);
		expect(pressed.message.content).toBe(contentText.en.threadOpened(String(message.id)));
		expectClean(club);
	});
});

describe('server errors', () => {
	test('Given one 500 on the reply, then the bot retries and the quote arrives once', async () => {
		const from = club.fake.requests.length;
		club.fake.failNext({ method: 'POST', path: CALLBACK, status: 500 });
		const { message } = await quote();
		expect((await requestsTo(CALLBACK, from, 2)).map((request) => request.status)).toEqual([500, 204]);
		expect(club.fake.messages(club.guilds.en.general).filter((posted) => posted.id === message.id)).toHaveLength(1);
		expectClean(club);
	});

	test.each(MEMBERS)(
		'Given Discord keeps failing to open the thread, then the $member member is told something went wrong, in their language',
		async ({ member, lang }) => {
			const { message } = await quote();
			club.fake.failNext({ method: 'POST', path: START_THREAD, status: 500, count: 20 });
			const pressed = await discuss(message, club.users[member]);
			expect(isEphemeral(pressed.message)).toBe(true);
			expect(pressed.message.content).toBe(common[lang].genericError);
			expect(club.fake.threads(club.guilds.en.general).filter((thread) => thread.id === message.id)).toEqual([]);
			expect(
				bot.logs.some((record) => record.msg === 'interaction failed' && String(record.customId).includes('discuss')),
			).toBe(true);
			club.fake.clearFaults();
			await stillAnswers();
			expectClean(club);
		},
	);
});

describe('what an interaction was about goes away mid-way', () => {
	test.each(MEMBERS)(
		'Given the quote is deleted while a $member member presses Discuss on it, then they are told it is gone, in their language, and no thread opens',
		async ({ member, lang }) => {
			const { message } = await quote();
			// The member's client still shows the post, so the press reaches the bot; Discord answers 10008 Unknown Message.
			club.fake.world.messages.get(String(message.id))!.deleted = true;
			const pressed = await discuss(message, club.users[member]);
			expect(isEphemeral(pressed.message)).toBe(true);
			expect(pressed.message.content).toBe(common[lang].targetGone);
			expect(club.fake.threads(club.guilds.en.general).filter((thread) => thread.id === message.id)).toEqual([]);
			await bot.waitForLog(
				(record) => record.interactionId === pressed.id && record.msg === 'interaction target is gone',
			);
			await stillAnswers();
			expectClean(club);
		},
	);
});

describe('the gateway', () => {
	test.each([
		{ fault: 'closes abnormally (1006)', act: () => club.fake.closeGateway(1006) },
		{ fault: 'closes with 4000', act: () => club.fake.closeGateway(4000) },
		{ fault: 'asks for a reconnect (op 7)', act: () => club.fake.requestReconnect() },
	])('Given the gateway $fault, then the bot resumes its session and answers the next command', async ({ act }) => {
		const identifies = club.fake.gateway.ops.filter((op) => op.dir === 'in' && op.op === 2).length;
		const resumedLogs = () => bot.logs.filter((record) => record.msg === 'gateway resumed').length;
		const resumedBefore = resumedLogs();
		const from = club.fake.gateway.ops.length;
		expect(act()).toBe(1);
		await club.fake.waitForResume({ from });
		await club.fake.waitForOp(0, { from, dir: 'out', t: 'RESUMED' });
		await stillAnswers();
		expect(club.fake.gateway.ops.filter((op) => op.dir === 'in' && op.op === 2)).toHaveLength(identifies);
		await eventually(() => resumedLogs() > resumedBefore, 'the bot to log that it resumed');
		expectClean(club);
	});

	test('Given a command is used while the gateway is down, then it reaches the bot after the resume and is answered once', async () => {
		const from = club.fake.gateway.ops.length;
		club.fake.closeGateway(1006);
		const { id, message } = await quote();
		expect(message.embeds).toHaveLength(1);
		await club.fake.waitForResume({ from });
		expect(club.fake.interactions.get(id)?.callback?.type).toBe(4);
		expectClean(club);
	});
});

describe('interactions the bot cannot make sense of', () => {
	const at = (): Where => ({ guildId: club.guilds.ko.id, channelId: club.guilds.ko.general });

	test.each(MEMBERS)(
		'Given a $member member uses a command this bot no longer has, then they are told to redeploy, it is logged, and the next command works',
		async ({ member, lang }) => {
			const used = await use(club, { kind: 'command', name: 'her-trivia', ...at(), user: club.users[member] });
			const message = await club.fake.reply(used.id);
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(common[lang].unknownCommand);
			await bot.waitForLog((record) => record.interactionId === used.id && record.command === 'her-trivia');
			await stillAnswers();
			expectClean(club);
		},
	);

	const malformed: { what: string; init: () => InteractInit; expected: (lang: Lang) => string }[] = [
		{
			what: 'an option of the wrong type (a number for theme)',
			init: () => ({ kind: 'command', name: 'her-quote', rawOptions: [{ name: 'theme', type: 4, value: 7 }], ...at() }),
			expected: (lang) => common[lang].genericError,
		},
		{
			what: 'a theme that is not one of the choices',
			init: () => ({
				kind: 'command',
				name: 'her-quote',
				rawOptions: [{ name: 'theme', type: 3, value: 'romance' }],
				...at(),
			}),
			expected: (lang) => contentText[lang].noQuotesForTheme,
		},
		{
			what: 'a language that is not one of the choices',
			init: () => ({
				kind: 'command',
				name: 'her-settings',
				rawOptions: [{ name: 'language', type: 1, options: [{ name: 'language', type: 3, value: 'fr' }] }],
				...at(),
				user: club.users.enAdmin,
			}),
			expected: (lang) => contentText[lang].unknownLanguage,
		},
		{
			what: 'a button whose custom_id is not ours',
			init: () => ({ kind: 'button', customId: 'quote:another', ...at() }),
			expected: (lang) => common[lang].expiredButton,
		},
		{
			what: 'a button of a command that no longer exists',
			init: () => ({ kind: 'button', customId: 'hfc1:her-trivia:next:1', ...at() }),
			expected: (lang) => common[lang].expiredButton,
		},
		{
			what: 'an Another button with a theme that no longer exists',
			init: () => ({ kind: 'button', customId: 'hfc1:her-quote:another:romance', ...at() }),
			expected: (lang) => common[lang].expiredButton,
		},
		{
			what: 'a select menu the bot never sent',
			init: () => ({ kind: 'select', customId: 'hfc1:her-quote:another:all', values: ['x'], ...at() }),
			expected: (lang) => common[lang].expiredButton,
		},
		{
			what: 'a modal the bot never opened',
			init: () => ({ kind: 'modal', customId: 'hfc1:her-quote:answer', fields: { text: 'hi' }, ...at() }),
			expected: (lang) => common[lang].expiredButton,
		},
	];

	test.each(malformed.flatMap((entry) => MEMBERS.map((member) => ({ ...entry, ...member }))))(
		'Given $what from a $member member, then they alone get one short answer, nothing crashes, and the next command works',
		async ({ init, expected, member, lang }) => {
			const base = init();
			// Components are pressed on a real post of the bot, as Discord would send them.
			const { message } =
				base.kind === 'button' || base.kind === 'select' || base.kind === 'modal'
					? await quote(club.users.en, at())
					: { message: undefined };
			const used = await use(club, {
				...base,
				...(message ? { messageId: String(message.id) } : {}),
				user: 'user' in base && base.user ? base.user : club.users[member],
				locale: member === 'ko' ? 'ko' : 'en-US',
			});
			const answer = await club.fake.reply(used.id);
			expect(isEphemeral(answer)).toBe(true);
			expect(answer.content).toBe(expected(lang));
			expect(answer.content).not.toMatch(/\n\s+at |Error:/);
			await bot.waitForLog((record) => record.interactionId === used.id);
			await stillAnswers();
			expectClean(club);
		},
	);
});
