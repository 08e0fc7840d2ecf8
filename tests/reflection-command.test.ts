import {
	ApplicationCommandOptionType,
	MessageFlags,
	PermissionFlagsBits,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { describe, expect, test } from 'vitest';
import herReflection from '../commands/her-reflection.js';
import { COMMANDS } from '../commands/index.js';
import { ReflectionStore } from '../src/reflection/store.js';
import { createRouter } from '../src/router.js';
import { createTestContext } from './support/context.js';
import { CHANNEL_ID, CLUB_ROLE_ID, GUILD_ID, OTHER_CHANNEL_ID, TestDiscord, USER_ID } from './support/discord.js';

const ADMIN = { memberPermissions: PermissionFlagsBits.ManageGuild };
const HANGUL = /[\uac00-\ud7a3]/;

async function setup(options: { language?: 'ko' | 'en' | 'both'; start?: string } = {}) {
	const { ctx, clock } = await createTestContext({ start: options.start ?? '2025-05-14T03:00:00Z' });
	const discord = new TestDiscord({ now: ctx.now, guilds: ctx.guilds });
	if (options.language) await ctx.settings.setLanguage(GUILD_ID, options.language, ctx.now());
	const route = createRouter(COMMANDS, ctx);
	const store = new ReflectionStore(ctx.db);
	return { ctx, clock, discord, route, store };
}

/** What the caller saw last: the interaction callback's message data. */
function reply(discord: TestDiscord) {
	const callback = discord.sent('/callback').at(-1);
	if (!callback) throw new Error('no interaction callback was sent');
	return callback.body.data;
}

describe('/her-reflection definition', () => {
	test('Given the command data, then it is guild-only, open to everyone, and described in Korean throughout', () => {
		const data: RESTPostAPIChatInputApplicationCommandsJSONBody = herReflection.data;
		expect(data.contexts).toEqual([0]);
		expect(data.integration_types).toEqual([0]);
		expect(data.default_member_permissions).toBeUndefined();
		expect(data.description_localizations?.ko).toMatch(HANGUL);
		const subcommands = data.options ?? [];
		expect(subcommands.map((option) => option.name)).toEqual([
			'now',
			'schedule',
			'skip',
			'pause',
			'resume',
			'stop',
			'status',
		]);
		for (const subcommand of subcommands) {
			expect(subcommand.description_localizations?.ko).toMatch(HANGUL);
			const options = 'options' in subcommand ? (subcommand.options ?? []) : [];
			for (const option of options) expect(option.description_localizations?.ko).toMatch(HANGUL);
		}
		const schedule = subcommands.find((option) => option.name === 'schedule')!;
		const options = 'options' in schedule ? (schedule.options ?? []) : [];
		expect(options.map((option) => [option.name, option.required ?? false])).toEqual([
			['channel', true],
			['time', true],
			['timezone', false],
			['role', false],
			['thread', false],
			['days', false],
			['pin', false],
			['tag', false],
		]);
		expect(options.find((option) => option.name === 'timezone')).toMatchObject({
			type: ApplicationCommandOptionType.String,
			autocomplete: true,
		});
	});
});

describe('/her-reflection now', () => {
	test('Given a bilingual server, then anyone gets a public prompt, Korean first, with its source review', async () => {
		const { ctx, discord, route } = await setup({ language: 'both' });
		await route(discord.chatInput(herReflection, { subcommand: 'now' }));
		const message = reply(discord);
		expect(message.flags ?? 0).not.toBe(MessageFlags.Ephemeral);
		const embed = message.embeds[0];
		expect(embed.title).toBe('오늘의 성찰 질문 · Today’s reflection');
		const reflection = ctx.dataset.reflections.find((item) => embed.footer.text.endsWith(item.id))!;
		expect(embed.description.indexOf(reflection.text.ko.slice(0, 8))).toBeLessThan(
			embed.description.indexOf(reflection.text.en.slice(0, 8)),
		);
		expect(embed.footer.text).toMatch(/^Source: .*2025/);
	});

	test('Given repeated asks, then no prompt repeats until the pool is used up', async () => {
		const { ctx, discord, route } = await setup({ language: 'en' });
		const seen = new Set<string>();
		for (let i = 0; i < ctx.dataset.reflections.length; i++) {
			await route(discord.chatInput(herReflection, { subcommand: 'now' }));
			seen.add(reply(discord).embeds[0].footer.text);
		}
		expect(seen.size).toBe(ctx.dataset.reflections.length);
	});
});

describe('/her-reflection schedule', () => {
	test('Given a member without Manage Server, then they are told so and nothing is scheduled', async () => {
		const { discord, route, store } = await setup();
		await route(discord.chatInput(herReflection, { subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00' }));
		expect(reply(discord)).toMatchObject({
			flags: MessageFlags.Ephemeral,
			content: expect.stringContaining('Manage Server'),
		});
		expect(await store.get(GUILD_ID)).toBeUndefined();
	});

	test('Given an admin, then the answer names the channel, time and zone and shows the next post as Discord timestamps', async () => {
		// 12:00 in Seoul: today's 21:30 is still ahead.
		const { discord, route, store } = await setup();
		await route(
			discord.chatInput(herReflection, { subcommand: 'schedule', channel: CHANNEL_ID, time: '21:30' }, ADMIN),
		);
		const answer = reply(discord);
		const next = Date.parse('2025-05-14T12:30:00Z') / 1000;
		expect(answer.flags).toBe(MessageFlags.Ephemeral);
		expect(answer.content).toContain(`<#${CHANNEL_ID}>`);
		expect(answer.content).toContain('**21:30** (Asia/Seoul)');
		expect(answer.content).toContain(`<t:${next}:F> (<t:${next}:R>)`);
		expect(await store.get(GUILD_ID)).toMatchObject({
			channelId: CHANNEL_ID,
			time: '21:30',
			timeZone: 'Asia/Seoul',
			roleId: null,
			thread: false,
			updatedBy: USER_ID,
			nextDueAt: new Date(next * 1000),
		});
	});

	test('Given 9:00 and a zone typed in lower case, then they are stored as 09:00 and the zone’s real name', async () => {
		const { discord, route, store } = await setup();
		await route(
			discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '9:00', timezone: 'asia/kathmandu' },
				ADMIN,
			),
		);
		expect(await store.get(GUILD_ID)).toMatchObject({ time: '09:00', timeZone: 'Asia/Kathmandu' });
	});

	test.each([
		['en-US', '25:00', {}, /“25:00” is not a time.*HH:MM.*09:00/],
		['ko', '9시', {}, /“9시”.*HH:MM/],
		['en-US', '09:00', { timezone: 'Mars/Olympus' }, /“Mars\/Olympus” is not a time zone.*Asia\/Seoul/],
		['ko', '09:00', { timezone: '+09:00' }, /“\+09:00”.*시간대.*Asia\/Seoul/],
	])(
		'Given locale %s and time %j %j, then one clear message says what is accepted',
		async (locale, time, extra, expected) => {
			const { discord, route, store } = await setup();
			await route(
				discord.chatInput(
					herReflection,
					{ subcommand: 'schedule', channel: CHANNEL_ID, time, ...extra },
					{ ...ADMIN, locale },
				),
			);
			expect(reply(discord)).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(expected) });
			expect(await store.get(GUILD_ID)).toBeUndefined();
		},
	);

	test('Given a channel where the bot may not send, then the missing permission is named', async () => {
		const { discord, route, store } = await setup();
		discord.denyInChannel(OTHER_CHANNEL_ID, PermissionFlagsBits.SendMessages);
		await route(
			discord.chatInput(herReflection, { subcommand: 'schedule', channel: OTHER_CHANNEL_ID, time: '09:00' }, ADMIN),
		);
		expect(reply(discord).content).toContain('**Send Messages**');
		expect(reply(discord).content).toContain(`<#${OTHER_CHANNEL_ID}>`);
		expect(await store.get(GUILD_ID)).toBeUndefined();
	});

	test('Given thread on and no right to create threads there, then that is what the admin is told', async () => {
		const { discord, route } = await setup();
		discord.denyInChannel(CHANNEL_ID, PermissionFlagsBits.CreatePublicThreads);
		await route(
			discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00', thread: true },
				{ ...ADMIN, locale: 'ko' },
			),
		);
		expect(reply(discord).content).toContain('**공개 스레드 만들기**');
	});

	test('Given a role the bot cannot mention, then the admin learns how to make it mentionable', async () => {
		const { discord, route, store } = await setup();
		discord.addRole({ mentionable: false });
		await route(
			discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00', role: CLUB_ROLE_ID },
				ADMIN,
			),
		);
		expect(reply(discord).content).toMatch(new RegExp(`can’t mention <@&${CLUB_ROLE_ID}>.*Allow anyone to @mention`));
		expect(await store.get(GUILD_ID)).toBeUndefined();
	});

	test('Given @everyone as the role, then it is refused', async () => {
		const { discord, route } = await setup();
		await route(
			discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00', role: GUILD_ID },
				ADMIN,
			),
		);
		expect(reply(discord).content).toContain('can’t mention @everyone');
	});

	test('Given a mentionable role and thread on, then both are kept and the answer says so without pinging', async () => {
		const { discord, route, store } = await setup();
		discord.addRole({ mentionable: true });
		await route(
			discord.chatInput(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00', role: CLUB_ROLE_ID, thread: true },
				ADMIN,
			),
		);
		const answer = reply(discord);
		expect(answer.content).toContain(`<@&${CLUB_ROLE_ID}>`);
		expect(answer.allowed_mentions).toEqual({ parse: [] });
		expect(await store.get(GUILD_ID)).toMatchObject({ roleId: CLUB_ROLE_ID, thread: true });
	});
});

describe('timezone autocomplete', () => {
	async function choices(typed: string) {
		const { discord, route } = await setup();
		await route(
			discord.autocomplete(
				herReflection,
				{ subcommand: 'schedule', channel: CHANNEL_ID, time: '09:00', timezone: typed },
				'timezone',
			),
		);
		return discord.sent('/callback').at(-1)!.body.data.choices as { name: string; value: string }[];
	}

	test('Given nothing typed yet, then common zones come first, Seoul at the top, at most 25', async () => {
		const list = await choices('');
		expect(list.length).toBeLessThanOrEqual(25);
		expect(list.slice(0, 5).map((choice) => choice.value)).toEqual([
			'Asia/Seoul',
			'Asia/Tokyo',
			'America/New_York',
			'America/Los_Angeles',
			'Europe/London',
		]);
		expect(list[0]!.name).toBe('Asia/Seoul (UTC+09:00)');
		expect(list.every((choice) => choice.name.length <= 100 && choice.value.length <= 100)).toBe(true);
	});

	test.each([
		['new york', 'America/New_York'],
		['kath', 'Asia/Kathmandu'],
		['st_j', 'America/St_Johns'],
		['kiri', 'Pacific/Kiritimati'],
	])('Given %j typed, then %s is offered', async (typed, zone) => {
		expect((await choices(typed)).map((choice) => choice.value)).toContain(zone);
	});

	test('Given St John’s in May, then its offset shows as UTC−02:30', async () => {
		const list = await choices('st_johns');
		expect(list.find((choice) => choice.value === 'America/St_Johns')?.name).toBe('America/St_Johns (UTC−02:30)');
	});
});

describe('/her-reflection status and stop', () => {
	test('Given no schedule, then status says how to start one', async () => {
		const { discord, route } = await setup();
		await route(discord.chatInput(herReflection, { subcommand: 'status' }, { locale: 'ko' }));
		expect(reply(discord)).toMatchObject({
			flags: MessageFlags.Ephemeral,
			content: expect.stringContaining('/her-reflection schedule'),
		});
		expect(reply(discord).content).toMatch(HANGUL);
	});

	test('Given a schedule, then anyone sees channel, time, zone, next post and a jump link to the last post', async () => {
		const { discord, route, store } = await setup();
		await route(
			discord.chatInput(herReflection, { subcommand: 'schedule', channel: CHANNEL_ID, time: '21:30' }, ADMIN),
		);
		const schedule = (await store.get(GUILD_ID))!;
		await store.claim({
			guildId: GUILD_ID,
			localDate: '2025-05-14',
			dueAt: schedule.nextDueAt,
			channelId: CHANNEL_ID,
			processId: 'test',
			now: schedule.nextDueAt,
			leaseMs: 60_000,
			maxAttempts: 3,
			pick: () => Promise.resolve('reflect-a-real-moment'),
		});
		await store.markSent(
			{ guildId: GUILD_ID, channelId: CHANNEL_ID, localDate: '2025-05-14' },
			{ messageId: '700000000000000001', threadId: null },
			schedule.nextDueAt,
		);

		await route(discord.chatInput(herReflection, { subcommand: 'status' }));
		const content: string = reply(discord).content;
		const next = Date.parse('2025-05-15T12:30:00Z') / 1000;
		expect(content).toContain(`Channel: <#${CHANNEL_ID}>`);
		expect(content).toContain('Time: 21:30 (Asia/Seoul)');
		expect(content).toContain(`Next prompt: <t:${next}:F> (<t:${next}:R>)`);
		expect(content).toContain(
			`[2025-05-14 (jump to it)](https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/700000000000000001)`,
		);
	});

	test('Given a paused schedule, then status gives the reason in the caller’s language and how to resume', async () => {
		const { ctx, discord, route, store } = await setup();
		await route(
			discord.chatInput(herReflection, { subcommand: 'schedule', channel: CHANNEL_ID, time: '21:30' }, ADMIN),
		);
		await store.pause((await store.get(GUILD_ID))!, 'missing-permissions', 'SendMessages,EmbedLinks', ctx.now());
		await route(discord.chatInput(herReflection, { subcommand: 'status' }, { locale: 'ko' }));
		const content: string = reply(discord).content;
		expect(content).toContain('일시정지됨');
		expect(content).toContain('**메시지 보내기, 링크 첨부**');
		expect(content).not.toContain('다음 질문:');
	});

	test('Given a member without Manage Server, then stop is refused; an admin stops it', async () => {
		const { discord, route, store } = await setup();
		await route(
			discord.chatInput(herReflection, { subcommand: 'schedule', channel: CHANNEL_ID, time: '21:30' }, ADMIN),
		);
		await route(discord.chatInput(herReflection, { subcommand: 'stop' }));
		expect(reply(discord).content).toContain('Manage Server');
		expect(await store.get(GUILD_ID)).toBeDefined();

		await route(discord.chatInput(herReflection, { subcommand: 'stop' }, ADMIN));
		expect(reply(discord)).toMatchObject({
			flags: MessageFlags.Ephemeral,
			content: expect.stringContaining('stopped'),
		});
		expect(await store.get(GUILD_ID)).toBeUndefined();

		await route(discord.chatInput(herReflection, { subcommand: 'stop' }, ADMIN));
		expect(reply(discord).content).toContain('no daily reflection to stop');
	});
});
