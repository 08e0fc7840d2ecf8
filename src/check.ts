import {
	ChannelType,
	PermissionFlagsBits,
	type APIEmbed,
	type Guild,
	type PermissionsBitField,
	type PermissionsString,
} from 'discord.js';
import type { Db } from './store/database.js';
import { canOpenThreads } from './channels.js';
import type { GuildDirectory, KnownChannel } from './guilds.js';
import { common } from './i18n/common.js';
import type { Lang } from './i18n/index.js';
import { operationsText } from './i18n/operations.js';
import { BOT_PERMISSIONS } from './permissions.js';
import { PIN_PERMISSION } from './reflection/job.js';
import { ReflectionStore } from './reflection/store.js';

/** Granted per server, not per channel: the fix is in Server Settings. */
const SERVER_WIDE: ReadonlySet<PermissionsString> = new Set(['ManageEvents']);
const THREAD_PERMISSIONS: readonly PermissionsString[] = ['CreatePublicThreads', 'SendMessagesInThreads'];
/** How many channels one answer shows; Discord allows ten embeds, and an admin can name any other. */
const MAX_CHANNELS = 5;

export type ChannelUse = 'reflection' | 'party' | 'asked';

/** What the check found in one channel. */
export interface ChannelCheck {
	readonly channelId: string;
	readonly channelName: string;
	readonly uses: readonly ChannelUse[];
	/** The bot's permissions there. */
	readonly granted: Readonly<PermissionsBitField>;
	/** Whether the channel's kind allows threads at all. */
	readonly threadable: boolean;
	/** A forum: the bot opens posts there (Send Messages), not threads on messages. */
	readonly forum?: boolean;
	/** The daily reflection here pins its prompts: Pin Messages is checked too. */
	readonly pin?: boolean;
	/** The role the daily reflection mentions here: whether the bot can, or gone. */
	readonly role?: { readonly id: string; readonly mentionable: boolean } | 'gone';
	/** The bot's role, as admins see it in the permission editor. */
	readonly botRole: string;
}

/** One channel's answer, in `lang`: each permission the bot needs, threads, the role, and a fix for each gap. */
export function checkEmbed(check: ChannelCheck, lang: Lang): APIEmbed {
	const t = operationsText[lang];
	const name = (permission: PermissionsString) => common[lang].permission[permission] ?? permission;
	const lines: string[] = [];
	let problems = 0;
	for (const permission of BOT_PERMISSIONS.toArray()) {
		if (check.granted.has(permission, true)) lines.push(t.can(name(permission)));
		else {
			problems++;
			const fix = SERVER_WIDE.has(permission) ? t.fixInServer : t.fixInChannel;
			lines.push(t.cannot(name(permission), fix(name(permission), check.botRole)));
		}
	}
	if (check.pin) {
		// Optional for posting, needed for the pin the schedule asks for.
		if (check.granted.has(PIN_PERMISSION, true)) lines.push(t.can(name(PIN_PERMISSION)));
		else {
			problems++;
			lines.push(t.cannot(name(PIN_PERMISSION), t.fixInChannel(name(PIN_PERMISSION), check.botRole)));
		}
	}
	if (check.forum) {
		if (check.granted.has(PermissionFlagsBits.SendMessages, true)) lines.push(t.forumPostsOpen);
		else lines.push(t.forumPostsBlocked);
	} else if (!check.threadable) lines.push(t.threadsWrongType);
	else if (THREAD_PERMISSIONS.every((permission) => check.granted.has(permission, true))) lines.push(t.threadsOpen);
	else lines.push(t.threadsBlocked);
	if (check.role === 'gone') {
		problems++;
		lines.push(t.roleGone);
	} else if (check.role) {
		const mention = `<@&${check.role.id}>`;
		if (check.role.mentionable || check.granted.has(PermissionFlagsBits.MentionEveryone, true)) {
			lines.push(t.roleMentionable(mention));
		} else {
			problems++;
			lines.push(t.roleNotMentionable(mention, name('MentionEveryone')));
		}
	}
	const summary = problems === 0 ? t.allGood : t.toFix(problems);
	return {
		title: t.checkTitle(`#${check.channelName}`),
		description: [
			`<#${check.channelId}> · ${check.uses.map((use) => t.usedFor[use]).join(' ')}`,
			summary,
			'',
			...lines,
		].join('\n'),
		color: problems === 0 ? 0x57f287 : 0xed4245,
	};
}

/**
 * The channels the bot posts in by itself: the daily reflections', and those with a watch party running
 * or being set up (in the channel or in its thread's parent).
 */
async function configuredChannels(
	db: Db,
	guildId: string,
	reflectionChannelIds: readonly string[],
): Promise<Map<string, ChannelUse[]>> {
	const uses = new Map<string, ChannelUse[]>();
	const add = (channelId: string, use: ChannelUse) => uses.set(channelId, [...(uses.get(channelId) ?? []), use]);
	for (const channelId of reflectionChannelIds) add(channelId, 'reflection');
	const parties = await db
		.selectFrom('watch_parties')
		.select('channel_id')
		.distinct()
		.where('guild_id', '=', guildId)
		.where('status', '<>', 'ended')
		.orderBy('channel_id')
		.execute();
	for (const party of parties) add(party.channel_id, 'party');
	return uses;
}

/** What `/her-settings check` shows: one embed per channel (at most five), and a note for the rest. */
export async function checkChannels(
	guild: Guild,
	db: Db,
	directory: GuildDirectory,
	lang: Lang,
	asked: KnownChannel | null,
): Promise<{ content?: string; embeds: APIEmbed[] }> {
	const t = operationsText[lang];
	const botRole = directory.botRoleName(guild.id) ?? (guild.members.me ?? (await guild.members.fetchMe())).displayName;
	const schedules = await new ReflectionStore(db).list(guild.id);
	const reflectionChannels = schedules.map((schedule) => schedule.channelId);
	const configured = await configuredChannels(db, guild.id, reflectionChannels);
	const uses = asked ? new Map([[asked.id, configured.get(asked.id) ?? (['asked'] as ChannelUse[])]]) : configured;
	if (uses.size === 0) return { content: t.nothingConfigured, embeds: [] };
	const notes: string[] = [];
	const embeds: APIEmbed[] = [];
	for (const [channelId, channelUses] of [...uses].slice(0, MAX_CHANNELS)) {
		const channel = channelId === asked?.id ? asked : directory.channel(guild.id, channelId);
		if (!channel) {
			// A party whose channel went is ended by the engine; a schedule waits for the admin to move it.
			if (channelUses.includes('reflection')) notes.push(t.channelGone(`<#${channelId}>`));
			continue;
		}
		const schedule = schedules.find((candidate) => candidate.channelId === channelId);
		const roleId = schedule?.roleId;
		const role = roleId ? directory.role(guild.id, roleId) : undefined;
		embeds.push(
			checkEmbed(
				{
					channelId,
					channelName: channel.name,
					uses: channelUses,
					granted: directory.permissionsIn(channel),
					threadable: canOpenThreads(channel),
					forum: channel.type === ChannelType.GuildForum,
					pin: schedule?.pin === true && channel.type !== ChannelType.GuildForum,
					...(roleId ? { role: role ? { id: roleId, mentionable: role.mentionable } : ('gone' as const) } : {}),
					botRole,
				},
				lang,
			),
		);
	}
	if (uses.size > MAX_CHANNELS) notes.push(t.more(uses.size - MAX_CHANNELS));
	return { ...(notes.length > 0 ? { content: notes.join('\n') } : {}), embeds };
}
