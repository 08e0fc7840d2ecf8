/**
 * The content commands end to end, as a member sees them: /her-quote (theme, id, autocomplete, Another,
 * Discuss), /her-question (phase, thread), /her-recommend, /her-about and /her-settings, for a Korean and an
 * English member, in servers whose public posts are Korean, English and both. One fake Discord and one bot
 * (started as `npm start` starts it) serve the whole file.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { THEME_CHOICES } from '../../src/choices.js';
import { loadDataset } from '../../src/dataset/load.js';
import { AUDIENCES, type Question, type Quote } from '../../src/dataset/schema.js';
import { common } from '../../src/i18n/common.js';
import { contentText } from '../../src/i18n/content.js';
import type { Lang } from '../../src/i18n/index.js';
import { renderText } from '../../src/render/messages.js';
import type { Json, User } from '../fake-discord/index.js';
import {
	buttonId,
	embedText,
	expectClean,
	isEphemeral,
	MEMBERS,
	press,
	sharedClub,
	use,
	type Club,
	type ClubGuild,
} from './harness.js';

const dataset = loadDataset();

type Setting = 'ko' | 'en' | 'both';
const LANGS: Record<Setting, Lang[]> = { ko: ['ko'], en: ['en'], both: ['ko', 'en'] };
const SETTINGS: Setting[] = ['ko', 'en', 'both'];
const matrix = SETTINGS.flatMap((setting) => MEMBERS.map(({ member, lang }) => ({ setting, member, lang })));

const { club, bot } = sharedClub();

const guild = (setting: Setting): ClubGuild => club.guilds[setting];
const member = (name: keyof Club['users']): User => club.users[name];

/** Runs a slash command as `user` in `channelId` of `where` and returns the message the member finally sees. */
async function run(
	where: ClubGuild,
	user: User,
	name: string,
	options: Record<string, string | boolean> = {},
	{ channelId = where.general, subcommand }: { channelId?: string; subcommand?: string } = {},
) {
	const used = await use(club, {
		kind: 'command',
		name,
		options,
		...(subcommand ? { subcommand } : {}),
		guildId: where.id,
		channelId,
		user,
	});
	const message = await club.fake.reply(used.id);
	return { ...used, message };
}

/** `/her-settings language` as `user` in `where`: the answer they see. */
async function setLanguage(where: ClubGuild, user: User, language: Setting) {
	return (await run(where, user, 'her-settings', { language }, { subcommand: 'language' })).message;
}

beforeAll(async () => {
	// The `both` server starts Korean (its preferred locale) and is switched the way an admin would.
	const confirmation = await setLanguage(club.guilds.both, club.users.koAdmin, 'both');
	expect(confirmation.content).toBe(contentText.ko.languageSet(contentText.ko.languageNames.both));
});

const buttons = (message: Json): Json[] => ((message.components as Json[])[0]?.components ?? []) as Json[];
const quoteIn = (message: Json): Quote => {
	const id = (message.embeds as Json[])[0]?.footer?.text as string;
	const quote = dataset.quotes.find((candidate) => candidate.id === id);
	if (!quote) throw new Error(`the embed's footer names no quote: ${id}`);
	return quote;
};
const questionIn = (embed: Json): Question => {
	const question = dataset.questions.find((candidate) => String(embed.footer?.text).endsWith(candidate.id));
	if (!question) throw new Error(`the embed's footer names no question: ${embed.footer?.text}`);
	return question;
};
/** The bot's requests since index `from`, as `METHOD route`, in the order Discord received them. */
const routesSince = (from: number): string[] =>
	club.fake.requests.slice(from).map((request) => `${request.method} ${request.route}`);
const label = (langs: readonly Lang[], pick: (lang: Lang) => string) => langs.map(pick).join(' · ');
const blockquoteLines = (text: string) => text.split('\n').filter((line) => line.startsWith('> '));

/** What a member reads in a quote embed for each server language. */
function expectQuoteIn(message: Json, setting: Setting): Quote {
	const quote = quoteIn(message);
	const langs = LANGS[setting];
	const embed = (message.embeds as Json[])[0]!;
	const description = String(embed.description);
	const hide = (text: string) => (quote.spoiler ? `||${text}||` : text);
	expect(description).toContain(hide(quote.text.ko));
	if (setting === 'ko') {
		expect(description).not.toContain(quote.text.en);
	} else {
		expect(description).toContain(hide(quote.text.en));
	}
	if (setting === 'en') {
		// English alone always keeps the Korean original under it.
		expect(description.indexOf(quote.text.en)).toBeLessThan(description.indexOf(renderText.en.original));
		expect(description.indexOf(renderText.en.original)).toBeLessThan(description.indexOf(quote.text.ko));
	}
	if (setting === 'both') {
		expect(description.indexOf(quote.text.ko)).toBeLessThan(description.indexOf(quote.text.en));
		expect(description).not.toContain(renderText.en.original);
	}
	expect((embed.fields as Json[]).map((field) => field.name)).toEqual([
		label(langs, (lang) => renderText[lang].source),
		label(langs, (lang) => renderText[lang].themes),
	]);
	expect(buttons(message).map((button) => button.label)).toEqual([
		label(langs, (lang) => renderText[lang].anotherButton),
		label(langs, (lang) => renderText[lang].discussButton),
		label(langs, (lang) => renderText[lang].cardButton),
	]);
	expect(isEphemeral(message)).toBe(false);
	return quote;
}

describe('/her-quote', () => {
	test.each(matrix)(
		'Given a $setting server and a $member member, then the quote is public, in the server’s language, with its source and buttons',
		async ({ setting, member: who }) => {
			const { message } = await run(guild(setting), member(who), 'her-quote');
			const quote = expectQuoteIn(message, setting);
			const source = dataset.sources.find((entry) => entry.id === quote.source.review)!;
			expect(embedText((message.embeds as Json[])[0])).toContain(source.title);
			expectClean(club);
		},
	);

	test.each(THEME_CHOICES.map((choice) => choice.value))(
		'Given theme %s, then the quote is about that theme and the Themes field names it',
		async (theme) => {
			const { message } = await run(guild('en'), member('en'), 'her-quote', { theme });
			const quote = expectQuoteIn(message, 'en');
			expect(quote.themes).toContain(theme);
			const label = dataset.themes.find((entry) => entry.id === theme)!.label.en;
			expect((message.embeds as Json[])[0]!.fields[1].value).toContain(label);
			expectClean(club);
		},
	);

	test.each(SETTINGS)(
		'Given a spoiler quote asked by id in a %s server, then every line of it is behind spoiler bars',
		async (setting) => {
			const spoilerQuote = dataset.quotes.find((quote) => quote.spoiler)!;
			const { message } = await run(guild(setting), member('en'), 'her-quote', { id: spoilerQuote.id });
			expect(quoteIn(message).id).toBe(spoilerQuote.id);
			expectQuoteIn(message, setting);
			const lines = blockquoteLines(String((message.embeds as Json[])[0]!.description));
			expect(lines.length).toBeGreaterThan(0);
			for (const line of lines) expect(line).toMatch(/^> \|\|.*\|\|$/);
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given an id nobody has, then the $member member alone is told in their language how to pick one',
		async ({ member: who, lang }) => {
			const { message } = await run(guild('ko'), member(who), 'her-quote', { id: 'quote-does-not-exist' });
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(contentText[lang].unknownQuote('quote-does-not-exist'));
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given a $member member typing words of a quote into id, then the choices are in their language and lead to that quote',
		async ({ member: who, lang }) => {
			const wanted = dataset.quotes.find((quote) => quote.id === 'quote-all-real')!;
			const typed = lang === 'ko' ? '함께했던' : 'moments we shared';
			const { response } = await use(club, {
				kind: 'autocomplete',
				name: 'her-quote',
				options: { id: typed },
				focused: 'id',
				guildId: guild('both').id,
				channelId: guild('both').general,
				user: member(who),
			});
			expect(response.type).toBe(8);
			const choices = response.data!.choices as { name: string; value: string }[];
			expect(choices.length).toBeGreaterThan(0);
			expect(choices.length).toBeLessThanOrEqual(25);
			const choice = choices.find((entry) => entry.value === wanted.id)!;
			// A spoiler is listed by a neutral name in their language, so the list does not give the ending away.
			expect(choice.name).toBe(contentText[lang].spoilerQuote(wanted.id));
			expect(choice.name).not.toContain(wanted.text[lang]);

			const { message } = await run(guild('both'), member(who), 'her-quote', { id: choice.value });
			expect(quoteIn(message).id).toBe(wanted.id);
			expectClean(club);
		},
	);

	test('Given nothing matches what is typed, then the list is empty and nothing else happens', async () => {
		const { response } = await use(club, {
			kind: 'autocomplete',
			name: 'her-quote',
			options: { id: 'zzzz-no-such-words' },
			focused: 'id',
			guildId: guild('en').id,
			channelId: guild('en').general,
			user: member('en'),
		});
		expect(response.data?.choices).toEqual([]);
		expectClean(club);
	});

	test('Given a theme and Another pressed until the pool is used up, then every quote of the theme shows once', async () => {
		const theme = 'real-moments';
		const pool = dataset.quotes.filter((quote) => quote.themes.includes(theme)).map((quote) => quote.id);
		const where = guild('en');
		const channel = club.fake.addChannel(where.id, { name: 'another-round' });
		await club.fake.waitUntil(() => bot.bot.ctx.guilds.channel(where.id, channel));
		let { message } = await run(where, member('en'), 'her-quote', { theme }, { channelId: channel });
		const shown = [quoteIn(message).id];
		while (shown.length < pool.length) {
			const pressed = await press(club, where, member('ko'), message, buttonId(message, 'another'));
			expect(pressed.response.type).toBe(4);
			message = pressed.message;
			expectQuoteIn(message, 'en');
			shown.push(quoteIn(message).id);
		}
		expect([...shown].sort()).toEqual([...pool].sort());
		// Each press is a new public post; the quote it was pressed on stays as it was.
		expect(club.fake.messages(channel)).toHaveLength(pool.length);
		expectClean(club);
	});

	test.each(matrix)(
		'Given Discuss pressed by a $member member in a $setting server, then a public thread opens on the quote with a related question',
		async ({ setting, member: who, lang }) => {
			const where = guild(setting);
			const { message } = await run(where, member('en'), 'her-quote', { theme: 'loneliness' });
			const quote = quoteIn(message);
			const from = club.fake.requests.length;
			const pressed = await press(club, where, member(who), message, buttonId(message, 'discuss'));
			expect(pressed.response.type).toBe(5);
			await club.fake.waitForRequest('PATCH', '/webhooks/:app/:token/messages/@original', { from });
			// Acknowledge first (within 3 s), then the thread, the question in it, and the edit saying where it is.
			expect(routesSince(from)).toEqual([
				'POST /interactions/:interaction/:token/callback',
				'POST /channels/:channel/messages/:message/threads',
				'POST /channels/:channel/messages',
				'PATCH /webhooks/:app/:token/messages/@original',
			]);
			expect(isEphemeral(pressed.message)).toBe(true);

			const thread = club.fake.threads(where.general).find((candidate) => candidate.id === message.id);
			expect(thread, 'a thread on the quote message').toBeDefined();
			expect(pressed.message.content).toBe(contentText[lang].threadOpened(String(thread!.id)));
			const posts = club.fake.messages(String(thread!.id));
			expect(posts).toHaveLength(1);
			const embed = (posts[0]!.embeds as Json[])[0]!;
			const question = questionIn(embed);
			expect(question.themes.some((theme) => quote.themes.includes(theme))).toBe(true);
			if (!quote.spoiler) expect(question.spoiler || question.phase === 'after').toBe(false);
			const first = LANGS[setting][0]!;
			expect(String(thread!.name).startsWith('💬 ')).toBe(true);
			expect(String(thread!.name)).toContain(question.text[first].slice(0, 20));
			for (const shown of LANGS[setting]) expect(embed.description).toContain(question.text[shown]);
			if (setting === 'ko') expect(embed.description).not.toContain(question.text.en);

			// Pressing it again points at the same thread instead of opening another.
			const again = await press(club, where, member(who), message, buttonId(message, 'discuss'));
			expect(isEphemeral(again.message)).toBe(true);
			expect(again.message.content).toBe(contentText[lang].threadExists(String(message.id)));
			expect(club.fake.threads(where.general).filter((candidate) => candidate.id === message.id)).toHaveLength(1);
			expectClean(club);
		},
	);
});

describe('/her-question', () => {
	const phases = ['before', 'during', 'after'] as const;
	test.each(matrix.flatMap((entry) => phases.map((phase) => ({ ...entry, phase }))))(
		'Given phase $phase asked by a $member member in a $setting server, then the question is public, in the server’s language, labelled with the phase, and hidden only after watching',
		async ({ setting, member: who, phase }) => {
			const { message } = await run(guild(setting), member(who), 'her-question', { phase });
			expect(isEphemeral(message)).toBe(false);
			const embed = (message.embeds as Json[])[0]!;
			const question = questionIn(embed);
			expect(question.phase).toBe(phase);
			const langs = LANGS[setting];
			expect(embed.title).toBe(
				label(langs, (lang) => `${renderText[lang].questionTitle} · ${renderText[lang].phase[phase]}`),
			);
			const hidden = phase === 'after' || question.spoiler;
			for (const lang of langs) {
				expect(embed.description).toContain(hidden ? `**||${question.text[lang]}||**` : `**${question.text[lang]}**`);
			}
			if (hidden) expect(embed.description).toContain(label(langs, (lang) => renderText[lang].spoilerWarning));
			if (setting === 'ko') expect(embed.description).not.toContain(question.text.en);
			expectClean(club);
		},
	);

	test.each(THEME_CHOICES.map((choice) => choice.value))(
		'Given theme %s, then the question is about that theme',
		async (theme) => {
			const { message } = await run(guild('en'), member('en'), 'her-question', { theme });
			expect(questionIn((message.embeds as Json[])[0]!).themes).toContain(theme);
			expectClean(club);
		},
	);

	test.each(MEMBERS)(
		'Given a theme and phase no question has, then the $member member alone is told to widen the choice',
		async ({ member: who, lang }) => {
			const empty = { theme: 'real-moments', phase: 'before' };
			expect(dataset.questions.filter((q) => q.themes.includes(empty.theme) && q.phase === empty.phase)).toEqual([]);
			const { message } = await run(guild('both'), member(who), 'her-question', empty);
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(contentText[lang].noQuestions);
			expectClean(club);
		},
	);

	test.each(SETTINGS)(
		'Given thread:true in a %s server, then a public thread opens on the question, named after it, or neutrally for spoilers',
		async (setting) => {
			const where = guild(setting);
			for (const phase of ['before', 'after'] as const) {
				const from = club.fake.requests.length;
				const { message } = await run(where, member('en'), 'her-question', { phase, thread: true });
				const question = questionIn((message.embeds as Json[])[0]!);
				await club.fake.waitForRequest('POST', '/channels/:channel/messages/:message/threads', { from });
				const thread = club.fake.threads(where.general).find((candidate) => candidate.id === message.id)!;
				// The question is the reply itself; the thread is opened on it afterwards.
				expect(routesSince(from)).toEqual([
					'POST /interactions/:interaction/:token/callback',
					'POST /channels/:channel/messages/:message/threads',
				]);
				const first = LANGS[setting][0]!;
				if (phase === 'after') {
					expect(thread.name).toBe(`💬 ${contentText[first].spoilerThreadName}`);
					expect(thread.name).not.toContain(question.text[first].slice(0, 10));
				} else {
					expect(thread.name).toContain(question.text[first].slice(0, 20));
				}
			}
			expectClean(club);
		},
	);
});

describe('/her-recommend', () => {
	test.each(AUDIENCES.map((audience) => ({ audience })))(
		'Given for:$audience, then the recommendation for that viewer comes with the film card',
		async ({ audience }) => {
			const { message } = await run(guild('en'), member('ko'), 'her-recommend', { for: audience });
			const [blurb, card] = message.embeds as Json[];
			const item = dataset.recommendations.find((entry) => String(blurb!.footer?.text).endsWith(entry.id))!;
			expect(item.audience).toBe(audience);
			expect(blurb!.title).toBe(renderText.en.recommendTitle(item.title.en));
			expect(blurb!.description).toBe(item.text.en);
			expect(card!.title).toContain(renderText.en.filmCardTitle);
			expectClean(club);
		},
	);

	test.each(matrix)(
		'Given a $member member in a $setting server, then both embeds are public and in the server’s language',
		async ({ setting, member: who }) => {
			const { message } = await run(guild(setting), member(who), 'her-recommend');
			expect(isEphemeral(message)).toBe(false);
			const [blurb, card] = message.embeds as Json[];
			const item = dataset.recommendations.find((entry) => String(blurb!.footer?.text).endsWith(entry.id))!;
			for (const lang of LANGS[setting]) {
				expect(blurb!.description).toContain(item.text[lang]);
				expect(embedText(card)).toContain(renderText[lang].filmCardTitle);
			}
			if (setting === 'ko') {
				expect(blurb!.description).not.toContain(item.text.en);
				expect(embedText(card)).not.toContain(renderText.en.writtenAndDirected);
			}
			expectClean(club);
		},
	);
});

describe('/her-about', () => {
	test.each(matrix)(
		'Given a $member member in a $setting server, then only they see it, in their own language',
		async ({ setting, member: who, lang }) => {
			const { message } = await run(guild(setting), member(who), 'her-about');
			expect(isEphemeral(message)).toBe(true);
			const [about, card] = message.embeds as Json[];
			expect(about!.description).toBe(contentText[lang].aboutIntro);
			expect(about!.fields.map((field: Json) => field.name)).toEqual([
				contentText[lang].aboutCommands,
				contentText[lang].aboutSources,
			]);
			expect(card!.title).toContain(renderText[lang].filmCardTitle);
			expectClean(club);
		},
	);
});

describe('/her-settings language', () => {
	test.each(MEMBERS)(
		'Given a $member member without Manage Server, then they are told so in their language and nothing changes',
		async ({ member: who, lang }) => {
			const message = await setLanguage(guild('en'), member(who), 'ko');
			expect(isEphemeral(message)).toBe(true);
			expect(message.content).toBe(common[lang].needsManageGuild);
			const after = await run(guild('en'), member('ko'), 'her-quote');
			expectQuoteIn(after.message, 'en');
			expectClean(club);
		},
	);

	test('Given an English admin switches an English server to Korean and back, then public posts follow each time', async () => {
		const where = guild('en');
		const admin = member('enAdmin');
		const confirmation = await setLanguage(where, admin, 'ko');
		expect(isEphemeral(confirmation)).toBe(true);
		expect(confirmation.content).toBe(contentText.en.languageSet(contentText.en.languageNames.ko));
		expectQuoteIn((await run(where, member('en'), 'her-quote')).message, 'ko');

		const back = await setLanguage(where, admin, 'en');
		expect(back.content).toBe(contentText.en.languageSet(contentText.en.languageNames.en));
		expectQuoteIn((await run(where, member('ko'), 'her-quote')).message, 'en');
		expectClean(club);
	});
});

test('Then, after all of the above, the bot logged no error', () => {
	expect(bot.logs.filter((record) => record.level >= 50)).toEqual([]);
});
