import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { describe, expect, test } from 'vitest';
import herSettings from '../commands/her-settings.js';
import { COMMANDS } from '../commands/index.js';
import { common } from '../src/i18n/common.js';
import { operationsText } from '../src/i18n/operations.js';
import { ReflectionStore } from '../src/reflection/store.js';
import { createRouter } from '../src/router.js';
import { WatchPartyStore } from '../src/watchparty/store.js';
import { startTimeline } from '../src/watchparty/timeline.js';
import { createTestContext } from './support/context.js';
import { CHANNEL_ID, CLUB_ROLE_ID, GUILD_ID, OTHER_CHANNEL_ID, TestDiscord, USER_ID } from './support/discord.js';

const ADMIN = { memberPermissions: PermissionFlagsBits.ManageGuild };

async function setup() {
	const { ctx } = await createTestContext();
	const discord = new TestDiscord({ now: ctx.now, guilds: ctx.guilds });
	const route = createRouter(COMMANDS, ctx);
	const check = async (input: Record<string, unknown> = {}, locale = 'en-US') => {
		await route(discord.chatInput(herSettings, { subcommand: 'check', ...input }, { ...ADMIN, locale }));
		return discord.sent('/callback').at(-1)!.body.data;
	};
	const schedule = (roleId: string | null) =>
		new ReflectionStore(ctx.db).save(
			{
				guildId: GUILD_ID,
				channelId: CHANNEL_ID,
				time: '09:00',
				timeZone: 'Asia/Seoul',
				roleId,
				thread: true,
				updatedBy: USER_ID,
			},
			ctx.now(),
		);
	const party = (channelId: string) =>
		new WatchPartyStore(ctx.db, ctx.dataset.watchParty).reserve({
			guildId: GUILD_ID,
			channelId,
			hostId: USER_ID,
			title: null,
			timeline: startTimeline(ctx.dataset.watchParty, { now: ctx.now().getTime(), inMinutes: 5 }),
			now: ctx.now().getTime(),
		});
	return { ctx, discord, check, schedule, party };
}

describe('/her-settings check', () => {
	test('Given the daily reflection posts where the bot lacks Embed Links and its role is not mentionable, then the admin sees both, each with its fix', async () => {
		const { discord, check, schedule } = await setup();
		discord.addRole({ mentionable: false });
		discord.denyInChannel(CHANNEL_ID, PermissionFlagsBits.EmbedLinks);
		await schedule(CLUB_ROLE_ID);

		const answer = await check();
		expect(answer.flags).toBe(MessageFlags.Ephemeral);
		expect(answer.embeds).toHaveLength(1);
		const [embed] = answer.embeds;
		const t = operationsText.en;
		expect(embed.title).toBe(t.checkTitle('#general'));
		expect(embed.description).toContain(t.usedFor.reflection);
		expect(embed.description).toContain(t.toFix(2));
		expect(embed.description).toContain(
			t.cannot(common.en.permission.EmbedLinks!, t.fixInChannel(common.en.permission.EmbedLinks!, 'Her Film Club')),
		);
		expect(embed.description).toContain(
			t.roleNotMentionable(`<@&${CLUB_ROLE_ID}>`, common.en.permission.MentionEveryone!),
		);
		expect(embed.description).toContain(t.can(common.en.permission.SendMessages!));
		expect(embed.description).toContain(t.threadsOpen);
	});

	test('Given a daily reflection and a watch party in another channel, then both channels are checked, in Korean for a Korean admin', async () => {
		const { check, schedule, party } = await setup();
		await schedule(null);
		await party(OTHER_CHANNEL_ID);

		const answer = await check({}, 'ko');
		const t = operationsText.ko;
		expect(answer.embeds.map((embed: { title: string }) => embed.title)).toEqual([
			t.checkTitle('#general'),
			t.checkTitle('#her-club'),
		]);
		expect(answer.embeds[0].description).toContain(t.usedFor.reflection);
		expect(answer.embeds[1].description).toContain(t.usedFor.party);
		for (const embed of answer.embeds) expect(embed.description).toContain(t.allGood);
	});

	test('Given the role the daily reflection mentions was deleted, then the admin is told to choose another', async () => {
		const { check, schedule } = await setup();
		await schedule('500000000000000099');
		expect((await check()).embeds[0].description).toContain(operationsText.en.roleGone);
	});

	test('Given a channel named, then only that one is checked', async () => {
		const { check, schedule } = await setup();
		await schedule(null);
		const answer = await check({ channel: OTHER_CHANNEL_ID });
		expect(answer.embeds).toHaveLength(1);
		expect(answer.embeds[0].description).toContain(operationsText.en.usedFor.asked);
	});

	test('Given a member without Manage Server, then nothing is checked', async () => {
		const { ctx, discord } = await setup();
		await createRouter(COMMANDS, ctx)(discord.chatInput(herSettings, { subcommand: 'check' }, { locale: 'ko' }));
		expect(discord.sent('/callback').at(-1)!.body.data).toMatchObject({
			content: common.ko.needsManageGuild,
			flags: MessageFlags.Ephemeral,
		});
	});
});

describe('/her-settings check on a forum', () => {
	test('Given a forum channel, then the admin is told forum posts can open there, or that Send Messages is missing, not that threads cannot open', async () => {
		const { discord, check } = await setup();
		const forum = discord.fake.addForum(GUILD_ID, 'daily-her', ['reflection']);

		const open = (await check({ channel: forum.id })).embeds[0].description as string;
		expect(open).toContain(operationsText.en.forumPostsOpen);
		expect(open).not.toContain(operationsText.en.threadsWrongType);

		discord.denyInChannel(forum.id, PermissionFlagsBits.SendMessages);
		const blocked = (await check({ channel: forum.id }, 'ko')).embeds[0].description as string;
		expect(blocked).toContain(operationsText.ko.forumPostsBlocked);
	});
});
