import { Routes, type REST, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';

type Json = unknown;

/**
 * Fields Discord reports as null, false, [] or {} when they are unset. A command the bot stops sending one
 * of them for (say, it drops `default_member_permissions`) must still count as changed.
 */
const RESETTABLE = new Set([
	'name_localizations',
	'description_localizations',
	'default_member_permissions',
	'nsfw',
	'options',
	'required',
	'autocomplete',
	'choices',
	'channel_types',
	'min_value',
	'max_value',
	'min_length',
	'max_length',
]);

function isUnset(value: Json): boolean {
	if (value === undefined || value === null || value === false) return true;
	if (Array.isArray(value)) return value.length === 0;
	return typeof value === 'object' && Object.keys(value).length === 0;
}

function isRecord(value: Json): value is Record<string, Json> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether what Discord has (`actual`) is what the bot would send (`wanted`). Only the fields the bot sends
 * are compared, plus the resettable ones: Discord adds `id`, `version`, `application_id`, `dm_permission`,
 * default `contexts` and the like, which say nothing about whether the definition changed. Lists of plain
 * values (contexts, channel types) are sets; options and choices keep their order, as the client shows it.
 */
export function sameDefinition(wanted: Json, actual: Json): boolean {
	if (isUnset(wanted) && isUnset(actual)) return true;
	if (Array.isArray(wanted)) {
		if (!Array.isArray(actual) || actual.length !== wanted.length) return false;
		if (wanted.every((item) => !isRecord(item))) {
			const sorted = (list: Json[]) => list.map((item) => JSON.stringify(item)).sort();
			return sorted(wanted).join() === sorted(actual).join();
		}
		return wanted.every((item, index) => sameDefinition(item, actual[index]));
	}
	if (isRecord(wanted)) {
		if (!isRecord(actual)) return false;
		const keys = new Set([...Object.keys(wanted), ...Object.keys(actual).filter((key) => RESETTABLE.has(key))]);
		return [...keys].every((key) => sameDefinition(wanted[key], actual[key]));
	}
	return wanted === actual;
}

/** Whether the registered commands are exactly `wanted`, in any order. */
export function sameCommands(wanted: readonly RESTPostAPIApplicationCommandsJSONBody[], registered: Json[]): boolean {
	if (wanted.length !== registered.length) return false;
	const key = (command: Json) => (isRecord(command) ? JSON.stringify([command.type ?? 1, command.name]) : '');
	const byKey = new Map(registered.map((command) => [key(command), command]));
	return wanted.every((command) => sameDefinition(command, byKey.get(key(command))));
}

export interface Registration {
	/** `globally` or `in server <id>` */
	readonly where: string;
	/** false when Discord already had these commands and nothing was sent */
	readonly changed: boolean;
}

/**
 * Makes Discord's slash commands `wanted`, globally or in one test server: one GET, and one bulk overwrite
 * only when they differ, so a restart with unchanged commands costs a single request.
 */
export async function registerCommands(
	rest: REST,
	applicationId: string,
	guildId: string | undefined,
	wanted: readonly RESTPostAPIApplicationCommandsJSONBody[],
): Promise<Registration> {
	const route = guildId
		? Routes.applicationGuildCommands(applicationId, guildId)
		: Routes.applicationCommands(applicationId);
	const where = guildId ? `in server ${guildId}` : 'globally';
	// Without with_localizations Discord leaves out the localization dictionaries, which would always differ.
	const registered = (await rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) })) as Json[];
	if (sameCommands(wanted, registered)) return { where, changed: false };
	await rest.put(route, { body: wanted });
	return { where, changed: true };
}
