import { PermissionFlagsBits, PermissionsBitField, type PermissionsString } from 'discord.js';
import { UserError } from './errors.js';
import { common } from './i18n/common.js';
import { localize, type Lang } from './i18n/index.js';

/** Exactly what the bot asks for in its invite URL. */
export const BOT_PERMISSIONS = new PermissionsBitField([
	PermissionFlagsBits.ViewChannel,
	PermissionFlagsBits.SendMessages,
	PermissionFlagsBits.SendMessagesInThreads,
	PermissionFlagsBits.EmbedLinks,
	PermissionFlagsBits.AttachFiles,
	PermissionFlagsBits.ReadMessageHistory,
	PermissionFlagsBits.CreatePublicThreads,
	PermissionFlagsBits.ManageEvents,
]);

export function inviteUrl(applicationId: string): string {
	const params = new URLSearchParams({
		client_id: applicationId,
		scope: 'bot applications.commands',
		permissions: BOT_PERMISSIONS.bitfield.toString(),
	});
	return `https://discord.com/oauth2/authorize?${params.toString()}`;
}

/** Names of the permissions in `needed` that `granted` lacks, in the order asked. */
export function missing(granted: Readonly<PermissionsBitField> | null, needed: readonly PermissionsString[]) {
	return needed.filter((permission) => !granted?.has(permission, true));
}

/** A user error naming, in the caller's language, what the bot lacks in `channel` (a mention or a name). */
export function missingPermissionsError(permissions: readonly PermissionsString[], channel: string): UserError {
	const text = (lang: Lang) => {
		const names = permissions.map((permission) => common[lang].permission[permission] ?? permission);
		return common[lang].missingPermissions(names.join(common[lang].listSeparator), channel);
	};
	return new UserError({ ko: text('ko'), en: text('en') });
}

/** Throws a user error if the bot lacks any of `needed`, e.g. `interaction.appPermissions` in the channel. */
export function assertBotCan(
	granted: Readonly<PermissionsBitField> | null,
	needed: readonly PermissionsString[],
	channel: string,
): void {
	const lacking = missing(granted, needed);
	if (lacking.length > 0) throw missingPermissionsError(lacking, channel);
}

/**
 * Server-wide settings need Manage Server. `default_member_permissions` hides a command by default, but a
 * server can override it, so the handler checks the member again.
 */
export function assertManageGuild(memberPermissions: Readonly<PermissionsBitField>): void {
	if (!memberPermissions.has(PermissionFlagsBits.ManageGuild))
		throw new UserError(localize(common, (m) => m.needsManageGuild));
}

/**
 * The bot never lends its rights: a thread is opened for a member only where they may open one themselves.
 * `memberPermissions` is the interaction's, i.e. the member's in the channel the thread would hang off.
 * Checked before the bot's own permissions, so the member hears about theirs first.
 */
export function assertMemberMayOpenThread(memberPermissions: Readonly<PermissionsBitField>, channel: string): void {
	if (memberPermissions.has(PermissionFlagsBits.CreatePublicThreads)) return;
	const text = (lang: Lang) => common[lang].memberNeeds(common[lang].permission.CreatePublicThreads!, channel);
	throw new UserError({ ko: text('ko'), en: text('en') });
}

/** Whether the member may create Scheduled Events in the server: Create Events, or Manage Events. */
export function memberMayCreateEvents(memberPermissions: Readonly<PermissionsBitField>): boolean {
	return memberPermissions.any([PermissionFlagsBits.CreateEvents, PermissionFlagsBits.ManageEvents]);
}
