import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import type { Lang } from './i18n/index.js';

/**
 * An expected failure the user can fix (a bad time, a missing permission, a party already running).
 * The router shows `message(lang)` ephemerally in the caller's language; nothing is logged as an error.
 */
export class UserError extends Error {
	public override readonly name = 'UserError';

	public constructor(public readonly localized: Readonly<Record<Lang, string>>) {
		super(localized.en);
	}
}

/** Discord errors that only mean "the thing is already gone": safe to ignore in cleanup paths. */
const GONE = new Set<number | string>([
	RESTJSONErrorCodes.UnknownInteraction,
	RESTJSONErrorCodes.UnknownChannel,
	RESTJSONErrorCodes.UnknownMessage,
	RESTJSONErrorCodes.UnknownWebhook,
	RESTJSONErrorCodes.UnknownGuild,
]);

export function isGone(error: unknown): boolean {
	return error instanceof DiscordAPIError && GONE.has(error.code);
}

/** The interaction itself is gone (unknown, or its token no longer valid): nobody is left to answer. */
const UNANSWERABLE = new Set<number | string>([
	RESTJSONErrorCodes.UnknownInteraction,
	RESTJSONErrorCodes.UnknownWebhook,
	RESTJSONErrorCodes.InvalidWebhookToken,
]);

export function isUnanswerable(error: unknown): boolean {
	return error instanceof DiscordAPIError && UNANSWERABLE.has(error.code);
}

/** Discord says the bot may not act in that channel any more (permission removed, or no access). */
export function isForbidden(error: unknown): boolean {
	return (
		error instanceof DiscordAPIError &&
		(error.code === RESTJSONErrorCodes.MissingPermissions || error.code === RESTJSONErrorCodes.MissingAccess)
	);
}
