/**
 * Quote cards end to end, as members see them: `/her-quote card:true` and the Card button post the quote as a PNG
 * attachment, uploaded as multipart, for everyone, in the server's languages; a spoiler quote's card is a spoiler
 * attachment with its text behind spoiler bars; without Attach Files the member is told what is missing.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/dataset/load.js';
import { common } from '../../src/i18n/common.js';
import type { Lang } from '../../src/i18n/index.js';
import { cardAltText, renderCard } from '../../src/render/card.js';
import type { Json, User } from '../fake-discord/index.js';
import { buttonId, expectClean, isEphemeral, MEMBERS, press, sharedClub, use, type ClubGuild } from './harness.js';

const dataset = loadDataset();
const { club, bot } = sharedClub();

type Setting = 'ko' | 'en' | 'both';
const LANGS: Record<Setting, readonly Lang[]> = { ko: ['ko'], en: ['en'], both: ['ko', 'en'] };
// The ko and both servers start Korean (their preferred locale); `both` is switched before the tests.
const guild = (setting: Setting): ClubGuild => club.guilds[setting];

async function command(where: ClubGuild, user: User, options: Record<string, string | boolean>, channelId?: string) {
	const used = await use(club, {
		kind: 'command',
		name: 'her-quote',
		options,
		guildId: where.id,
		channelId: channelId ?? where.general,
		user,
	});
	return { ...used, message: await club.fake.reply(used.id) };
}

/** The multipart upload that carried the interaction's card, and its JSON part. */
function upload(token: string) {
	const request = club.fake.requests.find((candidate) => candidate.path.includes(token) && candidate.files.length > 0);
	if (!request) throw new Error(`no file was uploaded for interaction ${token}`);
	return { files: request.files, body: request.body as Json };
}

const attachments = (message: Json): Json[] => (message.attachments ?? []) as Json[];

beforeAll(async () => {
	const set = await use(club, {
		kind: 'command',
		name: 'her-settings',
		subcommand: 'language',
		options: { language: 'both' },
		guildId: guild('both').id,
		channelId: guild('both').general,
		user: club.users.koAdmin,
	});
	expect(isEphemeral(await club.fake.reply(set.id))).toBe(true);
});

describe('/her-quote card:true', () => {
	test.each(['ko', 'en', 'both'] as const)(
		'Given card:true in a %s server, then the quote is posted for everyone as a PNG attachment with alt text, uploaded as multipart',
		async (setting) => {
			const quote = dataset.quotes.find((candidate) => candidate.id === 'quote-love-wears-you-out')!;
			const { token, response, message } = await command(guild(setting), club.users.en, { id: quote.id, card: true });
			// Drawn for the first time: acknowledged first, the card follows in the edit.
			expect(response.type).toBe(5);
			expect(isEphemeral(message)).toBe(false);
			expect(message.embeds).toEqual([]);
			const png = await renderCard(dataset, quote, LANGS[setting]);
			expect(attachments(message)).toEqual([
				expect.objectContaining({ filename: `her-quote-${quote.id}.png`, size: png.byteLength }),
			]);
			const sent = upload(token);
			expect(sent.files).toEqual([{ name: 'files[0]', filename: `her-quote-${quote.id}.png`, size: png.byteLength }]);
			expect(sent.body.attachments).toEqual([{ id: '0', description: cardAltText(dataset, quote, LANGS[setting]) }]);
			expectClean(club);
		},
	);

	test('Given the same card asked for again, then it is the first reply itself: it was drawn once', async () => {
		const options = { id: 'quote-quiet-comfort', card: true };
		const first = await command(guild('ko'), club.users.en, options);
		expect(first.response.type).toBe(5);
		const { response, message } = await command(guild('ko'), club.users.ko, options);
		expect(response.type).toBe(4);
		expect(attachments(message)).toEqual([expect.objectContaining({ filename: 'her-quote-quote-quiet-comfort.png' })]);
		expectClean(club);
	});
});

describe('the Card button on a quote', () => {
	test.each(['ko', 'en', 'both'] as const)(
		'Given Card pressed on a spoiler quote in a %s server, then the card is a spoiler attachment with its text behind spoiler bars beside it',
		async (setting) => {
			const spoiler = dataset.quotes.find((candidate) => candidate.spoiler)!;
			const quote = await command(guild(setting), club.users.en, { id: spoiler.id });
			const pressed = await press(club, guild(setting), club.users.ko, quote.message, buttonId(quote.message, 'card'));
			expect(isEphemeral(pressed.message)).toBe(false);
			// A new post; the quote it was pressed on stays as it was.
			expect(pressed.message.id).not.toBe(quote.message.id);
			expect(attachments(pressed.message)).toEqual([
				expect.objectContaining({ filename: `SPOILER_her-quote-${spoiler.id}.png` }),
			]);
			expect(upload(pressed.token).files[0]!.filename).toBe(`SPOILER_her-quote-${spoiler.id}.png`);
			const shown: Lang[] = setting === 'ko' ? ['ko'] : ['ko', 'en'];
			const content = String(pressed.message.content);
			for (const lang of shown) expect(content).toContain(`||${spoiler.text[lang]}||`);
			for (const line of content.split('\n')) expect(line).toMatch(/^\|\|[^|]+\|\|$/);
			expectClean(club);
		},
	);
});

describe('a channel where the bot may not Attach Files', () => {
	test.each(MEMBERS)(
		'Given a $member member asks for a card there, by option or button, then only they are told that Attach Files is missing',
		async ({ member, lang }) => {
			const where = guild('en');
			const channel = club.fake.addChannel(where.id, { name: `no-files-${member}`, denyBot: ['AttachFiles'] });
			await club.fake.waitUntil(() => bot.bot.ctx.guilds.channel(where.id, channel));
			const missing = common[lang].missingPermissions(common[lang].permission.AttachFiles!, `<#${channel}>`);

			const asked = await command(where, club.users[member], { card: true }, channel);
			expect(isEphemeral(asked.message)).toBe(true);
			expect(asked.message.content).toBe(missing);

			const quote = await command(where, club.users.en, {}, channel);
			const pressed = await press(club, where, club.users[member], quote.message, buttonId(quote.message, 'card'));
			expect(isEphemeral(pressed.message)).toBe(true);
			expect(pressed.message.content).toBe(missing);
			expect(club.fake.messages(channel).filter((message) => attachments(message).length > 0)).toEqual([]);
			expectClean(club);
		},
	);
});

test('Then, after all of the above, the bot logged no error', () => {
	expect(bot.logs.filter((record) => record.level >= 50)).toEqual([]);
});
