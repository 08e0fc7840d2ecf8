import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { describe, expect, test } from 'vitest';
import herAbout from '../commands/her-about.js';
import herQuestion from '../commands/her-question.js';
import herQuote from '../commands/her-quote.js';
import herRecommend from '../commands/her-recommend.js';
import herSettings from '../commands/her-settings.js';
import { COMMANDS } from '../commands/index.js';
import { encodeCustomId } from '../src/custom-id.js';
import { createRouter } from '../src/router.js';
import { createTestContext } from './support/context.js';
import { GUILD_ID, TestDiscord, THREAD_ID } from './support/discord.js';

const HANGUL = /[\uac00-\ud7a3]/;
/** A member who may open threads, so the bot may open them for them. */
const MAY_OPEN_THREADS = { memberPermissions: PermissionFlagsBits.CreatePublicThreads };

async function setup(options: { preferredLocale?: string; language?: 'ko' | 'en' | 'both' } = {}) {
	const { ctx } = await createTestContext();
	const discord = new TestDiscord({
		preferredLocale: options.preferredLocale ?? 'en-US',
		now: ctx.now,
		guilds: ctx.guilds,
	});
	if (options.language) await ctx.settings.setLanguage(GUILD_ID, options.language, ctx.now());
	const route = createRouter(COMMANDS, ctx);
	return { ctx, discord, route };
}

/** The interaction callback's message data: what the channel (or the caller) sees. */
function reply(discord: TestDiscord) {
	const callback = discord.sent('/callback').at(-1);
	if (!callback) throw new Error('no interaction callback was sent');
	return callback.body.data;
}

describe('/her-quote', () => {
	test('Given an English server, then the quote is in English with its Korean original, speaker, source and themes', async () => {
		const { ctx, discord, route } = await setup({ language: 'en' });
		await route(discord.chatInput(herQuote));
		const embed = reply(discord).embeds[0];
		const quote = ctx.dataset.quotes.find((item) => item.id === embed.footer.text)!;
		expect(embed.description).toContain(quote.text.en.split('\n')[0]);
		expect(embed.description).toContain('Korean original');
		expect(embed.description).toContain(quote.text.ko.split('\n')[0]);
		expect(embed.fields.map((field: { name: string }) => field.name)).toEqual(['Source', 'Themes']);
		expect(embed.fields[0].value).toMatch(/2025/);
		expect(reply(discord).flags ?? 0).not.toBe(MessageFlags.Ephemeral);
	});

	test('Given a server whose preferred locale is Korean and no setting, then the quote is in Korean only', async () => {
		const { discord, route } = await setup({ preferredLocale: 'ko' });
		await route(discord.chatInput(herQuote, {}, { locale: 'en-US' }));
		const embed = reply(discord).embeds[0];
		expect(embed.description).toMatch(HANGUL);
		expect(embed.description).not.toContain('Korean original');
		expect(embed.fields[0].name).toBe('출처');
	});

	test('Given a bilingual server, then Korean comes first, then English, and the buttons say both', async () => {
		const { ctx, discord, route } = await setup({ language: 'both' });
		await route(discord.chatInput(herQuote));
		const message = reply(discord);
		const quote = ctx.dataset.quotes.find((item) => item.id === message.embeds[0].footer.text)!;
		const description: string = message.embeds[0].description;
		expect(description.indexOf(quote.text.ko.slice(0, 10))).toBeLessThan(
			description.indexOf(quote.text.en.slice(0, 10)),
		);
		expect(message.components[0].components.map((b: { label: string }) => b.label)).toEqual([
			'다른 구절 · Another',
			'이야기하기 · Discuss',
			'카드 · Card',
		]);
	});

	test('Given a theme, then every quote shown is about it, and none repeats until the pool is used up', async () => {
		const { ctx, discord, route } = await setup();
		const pool = ctx.dataset.quotes.filter((quote) => quote.themes.includes('love'));
		const seen: string[] = [];
		for (let i = 0; i < pool.length; i++) {
			await route(discord.chatInput(herQuote, { theme: 'love' }));
			seen.push(reply(discord).embeds[0].footer.text);
		}
		expect(new Set(seen).size).toBe(pool.length);
		expect(seen.every((id) => pool.some((quote) => quote.id === id))).toBe(true);
	});

	test('Given an id, then that quote is shown; an unknown id gets an ephemeral explanation', async () => {
		const { ctx, discord, route } = await setup();
		const wanted = ctx.dataset.quotes[3]!;
		await route(discord.chatInput(herQuote, { id: wanted.id }));
		expect(reply(discord).embeds[0].footer.text).toBe(wanted.id);

		await route(discord.chatInput(herQuote, { id: 'no-such-quote' }, { locale: 'ko' }));
		expect(reply(discord)).toMatchObject({ flags: MessageFlags.Ephemeral });
		expect(reply(discord).content).toContain('no-such-quote');
		expect(reply(discord).content).toMatch(HANGUL);
	});

	test('Given words typed in the id option, then autocomplete offers matching quotes in either language', async () => {
		const { ctx, discord, route } = await setup();
		const target = ctx.dataset.quotes.find((quote) => quote.speaker.kind === 'film')!;
		const englishWord = target.text.en
			.split(/\s+/)
			.find((word) => word.length > 5)!
			.replace(/[^\p{L}]/gu, '');
		await route(discord.autocomplete(herQuote, { id: englishWord }, 'id'));
		const choices = discord.sent('/callback').at(-1)!.body.data.choices;
		expect(choices.map((choice: { value: string }) => choice.value)).toContain(target.id);

		const koreanWord = target.text.ko.slice(0, 4);
		await route(discord.autocomplete(herQuote, { id: koreanWord }, 'id', { locale: 'ko' }));
		const korean = discord.sent('/callback').at(-1)!.body.data.choices;
		expect(korean.map((choice: { value: string }) => choice.value)).toContain(target.id);
		expect(korean.length).toBeLessThanOrEqual(25);
	});

	test('Given the Another button, then a different quote with the same filter is posted', async () => {
		const { ctx, discord, route } = await setup();
		await route(discord.chatInput(herQuote, { theme: 'healing' }));
		const first = reply(discord);
		const another = first.components[0].components[0].custom_id;
		await route(discord.button(another));
		const second = reply(discord);
		expect(second.embeds[0].footer.text).not.toBe(first.embeds[0].footer.text);
		const quote = ctx.dataset.quotes.find((item) => item.id === second.embeds[0].footer.text)!;
		expect(quote.themes).toContain('healing');
	});

	test('Given the Discuss button, then a public thread opens on the quote with a related question', async () => {
		const { ctx, discord, route } = await setup();
		await route(discord.chatInput(herQuote));
		const discussId = reply(discord).components[0].components[1].custom_id;
		await route(discord.button(discussId, { ...MAY_OPEN_THREADS, locale: 'ko' }));
		const thread = discord.sent(/\/messages\/\d+\/threads$/, 'POST')[0]!;
		expect(thread.body.name.length).toBeLessThanOrEqual(100);
		const posted = discord.sent(/\/channels\/\d+\/messages$/, 'POST').at(-1)!;
		const questionId = posted.body.embeds[0].footer.text.split(' · ').at(-1);
		expect(ctx.dataset.questions.some((question) => question.id === questionId)).toBe(true);
		const edit = discord.sent('@original', 'PATCH').at(-1)!;
		expect(edit.body.content).toMatch(/스레드를 열었어요: <#\d+>/);
	});

	test('Given a spoiler quote, then Discuss names its public thread without giving the ending away', async () => {
		const { ctx, discord, route } = await setup({ language: 'en' });
		for (const quote of ctx.dataset.quotes.filter((item) => item.spoiler)) {
			await route(discord.chatInput(herQuote, { id: quote.id }));
			const discussId = reply(discord).components[0].components[1].custom_id;
			await route(discord.button(discussId, MAY_OPEN_THREADS));
			const name: string = discord.sent(/\/messages\/\d+\/threads$/, 'POST').at(-1)!.body.name;
			const posted = discord.sent(/\/channels\/\d+\/messages$/, 'POST').at(-1)!;
			const questionId = posted.body.embeds[0].footer.text.split(' · ').at(-1);
			const question = ctx.dataset.questions.find((item) => item.id === questionId)!;
			if (question.spoiler || question.phase === 'after')
				expect(name).toBe('💬 After watching: a question with spoilers');
			else expect(name).toContain(question.text.en.slice(0, 20));
		}
	});

	test('Given a quote asked for inside a thread, then it has no Discuss button, and an old one says threads can’t open there', async () => {
		const { discord, route } = await setup({ language: 'en' });
		await route(discord.chatInput(herQuote, {}, { channelId: THREAD_ID }));
		const buttons = reply(discord).components[0].components.map((b: { label: string }) => b.label);
		expect(buttons).toEqual(['Another', 'Card']);

		await route(
			discord.button(encodeCustomId('her-quote', 'discuss', 'quote-all-real'), { channelId: THREAD_ID, locale: 'ko' }),
		);
		expect(reply(discord)).toMatchObject({
			content: expect.stringContaining('스레드를 열 수 없어요'),
			flags: MessageFlags.Ephemeral,
		});
		expect(discord.sent('/threads')).toHaveLength(0);
	});

	test('Given the bot may not create threads here, then Discuss names the missing permission', async () => {
		const { discord, route } = await setup();
		await route(discord.chatInput(herQuote));
		const discussId = reply(discord).components[0].components[1].custom_id;
		await route(
			discord.button(discussId, {
				...MAY_OPEN_THREADS,
				appPermissions: PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel,
			}),
		);
		expect(reply(discord)).toMatchObject({ flags: MessageFlags.Ephemeral });
		expect(reply(discord).content).toContain('Create Public Threads');
		expect(discord.sent('/threads')).toHaveLength(0);
	});

	test.each([
		['a tampered theme', encodeCustomId('her-quote', 'another', 'not-a-theme')],
		['an unknown quote', encodeCustomId('her-quote', 'discuss', 'gone-quote')],
		['an unknown action', encodeCustomId('her-quote', 'explode')],
		['an unknown command', encodeCustomId('her-nothing', 'x')],
		['an old format', 'quote-another-love'],
	])('Given %s on a button, then the caller is told it has expired', async (_, customId) => {
		const { discord, route } = await setup();
		await route(discord.button(customId));
		expect(reply(discord)).toMatchObject({
			content: expect.stringContaining('expired'),
			flags: MessageFlags.Ephemeral,
		});
	});
});

describe('/her-question', () => {
	test('Given phase after, then the question is spoiler-tagged and says so', async () => {
		const { discord, route } = await setup({ language: 'en' });
		await route(discord.chatInput(herQuestion, { phase: 'after' }));
		const embed = reply(discord).embeds[0];
		expect(embed.description).toMatch(/\|\|.+\|\|/s);
		expect(embed.description).toContain('Spoilers');
		expect(embed.title).toContain('After watching');
	});

	test('Given a theme and phase before, then the question matches both and is not hidden', async () => {
		const { ctx, discord, route } = await setup({ language: 'ko' });
		await route(discord.chatInput(herQuestion, { phase: 'before', theme: 'loneliness' }));
		const embed = reply(discord).embeds[0];
		const id = embed.footer.text.split(' · ').at(-1);
		const question = ctx.dataset.questions.find((item) => item.id === id)!;
		expect(question.phase).toBe('before');
		expect(question.themes).toContain('loneliness');
		expect(embed.description).not.toContain('||');
	});

	test('Given thread:true, then a public thread named after the question opens on the reply', async () => {
		const { discord, route } = await setup({ language: 'en' });
		await route(discord.chatInput(herQuestion, { phase: 'before', thread: true }, MAY_OPEN_THREADS));
		const [thread] = discord.sent(/\/messages\/\d+\/threads$/, 'POST');
		expect(thread?.body.name).toMatch(/^💬 .+/);
		expect(thread!.body.name.length).toBeLessThanOrEqual(100);
	});

	test('Given thread:true with an after-watching question, then the thread name does not spoil it', async () => {
		const { discord, route } = await setup({ language: 'en' });
		await route(discord.chatInput(herQuestion, { phase: 'after', thread: true }, MAY_OPEN_THREADS));
		const [thread] = discord.sent(/\/threads$/, 'POST');
		expect(thread?.body.name).toBe('💬 After watching: a question with spoilers');
	});

	test('Given thread:true inside a thread, then nothing is posted and the caller is told threads can’t open there', async () => {
		const { discord, route } = await setup();
		await route(discord.chatInput(herQuestion, { thread: true }, { channelId: THREAD_ID }));
		expect(reply(discord)).toMatchObject({
			content: expect.stringContaining('Threads can’t be opened here'),
			flags: MessageFlags.Ephemeral,
		});
		expect(reply(discord).embeds).toBeUndefined();
	});

	test('Given thread:true where the bot cannot create threads, then nothing is posted and the caller is told why', async () => {
		const { discord, route } = await setup();
		await route(
			discord.chatInput(
				herQuestion,
				{ thread: true },
				{ ...MAY_OPEN_THREADS, appPermissions: PermissionFlagsBits.SendMessages, locale: 'ko' },
			),
		);
		expect(reply(discord).flags).toBe(MessageFlags.Ephemeral);
		expect(reply(discord).content).toContain('공개 스레드 만들기');
	});
});

describe('/her-recommend', () => {
	test.each(['tired-of-dating', 'curious-about-ai', 'healing', 'anyone'])(
		'Given for:%s, then a blurb for that audience comes with the film card',
		async (audience) => {
			const { ctx, discord, route } = await setup({ language: 'en' });
			await route(discord.chatInput(herRecommend, { for: audience }));
			const [blurb, card] = reply(discord).embeds;
			const id = blurb.footer.text.split(' · ').at(-1);
			expect(ctx.dataset.recommendations.find((item) => item.id === id)?.audience).toBe(audience);
			expect(card.title).toContain('Her (2013)');
			expect(JSON.stringify(card)).toContain('Spike Jonze');
			expect(JSON.stringify(card)).toContain('126 min');
		},
	);
});

describe('/her-about', () => {
	test.each([
		['ko', '출처와 감사'],
		['en-US', 'Sources and credits'],
	])(
		'Given a %s caller, then the help is ephemeral, in their language, and credits both reviews',
		async (locale, heading) => {
			const { ctx, discord, route } = await setup();
			await route(discord.chatInput(herAbout, {}, { locale }));
			const message = reply(discord);
			expect(message.flags).toBe(MessageFlags.Ephemeral);
			const text = JSON.stringify(message.embeds);
			expect(text).toContain(heading);
			expect(text).toContain('Soullatte');
			expect(text).toContain('/her-quote');
			expect(ctx.dataset.sources).toHaveLength(2);
		},
	);
});

describe('/her-settings language', () => {
	test('Given a member with Manage Server, then the language changes and the next public post follows it', async () => {
		const { discord, route } = await setup({ preferredLocale: 'en-US' });
		await route(
			discord.chatInput(
				herSettings,
				{ subcommand: 'language', language: 'ko' },
				{ memberPermissions: PermissionFlagsBits.ManageGuild },
			),
		);
		expect(reply(discord)).toMatchObject({ content: expect.stringContaining('Korean'), flags: MessageFlags.Ephemeral });
		await route(discord.chatInput(herQuote));
		expect(reply(discord).embeds[0].fields[0].name).toBe('출처');
	});

	test('Given a member without Manage Server (the default permission overridden), then nothing changes', async () => {
		const { ctx, discord, route } = await setup();
		await route(discord.chatInput(herSettings, { subcommand: 'language', language: 'ko' }, { locale: 'ko' }));
		expect(reply(discord)).toMatchObject({
			content: expect.stringContaining('서버 관리하기'),
			flags: MessageFlags.Ephemeral,
		});
		expect(await ctx.settings.language(GUILD_ID, 'en-US')).toBe('en');
	});

	test('Then the command is hidden by default from members without Manage Server', () => {
		expect(herSettings.data.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
	});
});
