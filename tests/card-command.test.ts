/**
 * `/her-quote card:true` and the Card button, through the router, as the member who asked sees them: the card is
 * posted for everyone (acknowledged first while it is drawn), a missing Attach Files is named, and cards count
 * against the member's flood limit like Another.
 */
import { MessageFlags, PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../commands/index.js';
import herQuote from '../commands/her-quote.js';
import { encodeCustomId } from '../src/custom-id.js';
import { common } from '../src/i18n/common.js';
import { BOT_PERMISSIONS } from '../src/permissions.js';
import { cardCache } from '../src/render/card.js';
import { createRouter } from '../src/router.js';
import { createTestContext } from './support/context.js';
import { CHANNEL_ID, GUILD_ID, TestDiscord } from './support/discord.js';

async function setup(options: { floodLimit?: number; language?: 'ko' | 'en' | 'both' } = {}) {
	const { ctx } = await createTestContext();
	const discord = new TestDiscord({ guilds: ctx.guilds });
	if (options.language) await ctx.settings.setLanguage(GUILD_ID, options.language, ctx.now());
	const config = { ...ctx.config, ...(options.floodLimit ? { floodLimit: options.floodLimit } : {}) };
	const route = createRouter(COMMANDS, { ...ctx, config });
	return { ctx, discord, route };
}

const cardButton = (quoteId: string) => encodeCustomId('her-quote', 'card', quoteId);
const withoutAttachFiles = new PermissionsBitField(BOT_PERMISSIONS).remove(PermissionFlagsBits.AttachFiles);
/** Routes of the requests sent, as `METHOD route`, with tokens and ids blurred. */
const routes = (discord: TestDiscord) =>
	discord.requests.map((request) => `${request.method} ${request.route.replace(/\d+|token-\w+/g, ':id')}`);

describe('a quote card', () => {
	test('Given card:true and a card not drawn yet, then the reply is acknowledged first and then carries the card', async () => {
		const { ctx, discord, route } = await setup({ language: 'both' });
		await route(discord.chatInput(herQuote, { id: 'quote-love-wears-you-out', card: true }));
		expect(routes(discord)).toEqual([
			'POST /interactions/:id/:id/callback',
			'PATCH /webhooks/:id/:id/messages/@original',
		]);
		const [defer, edit] = discord.responses();
		expect(defer.type).toBe(5);
		expect(defer.data?.flags ?? 0).toBe(0);
		// discord.js sends the file itself as a multipart part (see the end-to-end test); the JSON carries its alt text.
		expect(edit.attachments).toEqual([{ id: '0', description: expect.stringContaining('사랑은 설레기도') }]);
		expect(edit.embeds ?? []).toEqual([]);
		const quote = ctx.dataset.quotes.find((item) => item.id === 'quote-love-wears-you-out')!;
		expect(cardCache(ctx.dataset).peek(quote, ['ko', 'en'])).toBeInstanceOf(Buffer);
	});

	test('Given the card was drawn before, then it is the first reply itself, with no acknowledgement first', async () => {
		const { discord, route } = await setup();
		await route(discord.button(cardButton('quote-love-wears-you-out')));
		discord.requests.length = 0;
		await route(discord.button(cardButton('quote-love-wears-you-out')));
		expect(routes(discord)).toEqual(['POST /interactions/:id/:id/callback']);
		const [reply] = discord.responses();
		expect(reply.type).toBe(4);
		expect(reply.data.flags ?? 0).toBe(0);
		expect(reply.data.attachments).toEqual([{ id: '0', description: expect.stringContaining('사랑은 설레기도') }]);
	});

	test('Given a spoiler quote’s Card button, then the card’s text is beside it behind spoiler bars', async () => {
		const { ctx, discord, route } = await setup({ language: 'en' });
		const spoiler = ctx.dataset.quotes.find((quote) => quote.spoiler)!;
		await route(discord.button(cardButton(spoiler.id)));
		const edit = discord.responses().at(-1);
		expect(edit.attachments).toHaveLength(1);
		expect(edit.content).toContain(`||${spoiler.text.en}||`);
		expect(edit.content).toContain(`||${spoiler.text.ko}||`);
	});

	test.each([
		{ locale: 'ko', lang: 'ko' as const },
		{ locale: 'en-GB', lang: 'en' as const },
	])(
		'Given the bot may not Attach Files, then a $lang member alone is told so, and nothing is posted',
		async ({ locale, lang }) => {
			const { discord, route } = await setup();
			for (const interaction of [
				discord.chatInput(herQuote, { card: true }, { locale, appPermissions: withoutAttachFiles }),
				discord.button(cardButton('quote-love-wears-you-out'), { locale, appPermissions: withoutAttachFiles }),
			]) {
				discord.requests.length = 0;
				await route(interaction);
				expect(discord.responses()).toEqual([
					{
						type: 4,
						data: expect.objectContaining({
							content: common[lang].missingPermissions(common[lang].permission.AttachFiles!, `<#${CHANNEL_ID}>`),
							flags: MessageFlags.Ephemeral,
						}),
					},
				]);
			}
		},
	);

	test('Given a Card button for a quote that is gone, then it says the button has expired', async () => {
		const { discord, route } = await setup();
		await route(discord.button(cardButton('quote-no-longer-here')));
		expect(discord.responses()[0].data.content).toBe(common.en.expiredButton);
	});

	test('Given a plain /her-quote, then no card is drawn: the card costs nothing unless asked for', async () => {
		const { ctx, discord, route } = await setup();
		await route(discord.chatInput(herQuote));
		expect(discord.responses()[0].data.attachments ?? []).toEqual([]);
		expect(cardCache(ctx.dataset).size).toBe(0);
	});

	test('Given a member posting quotes and cards, then cards count against the flood limit like Another', async () => {
		const { discord, route } = await setup({ floodLimit: 3 });
		await route(discord.chatInput(herQuote, { id: 'quote-love-wears-you-out' }));
		await route(discord.button(cardButton('quote-love-wears-you-out')));
		await route(discord.chatInput(herQuote, { id: 'quote-love-wears-you-out', card: true }));
		discord.requests.length = 0;
		await route(discord.button(cardButton('quote-love-wears-you-out')));
		await route(discord.chatInput(herQuote, { card: true }));
		const refusals = discord.responses();
		expect(refusals).toHaveLength(2);
		for (const refusal of refusals) {
			expect(refusal.data.flags).toBe(MessageFlags.Ephemeral);
			expect(refusal.data.content).toMatch(/^That's a lot of posts here/);
			expect(refusal.data.attachments ?? []).toEqual([]);
		}
	});
});
