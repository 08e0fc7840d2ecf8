export type Lang = 'ko' | 'en';
export const LANGS: readonly Lang[] = ['ko', 'en'];

/** The server setting for public posts. */
export type ServerLanguage = Lang | 'both';
export const SERVER_LANGUAGES: readonly ServerLanguage[] = ['ko', 'en', 'both'];

/** A catalog is written once per language; the Korean one is typed against the English one. */
export type Messages<T> = Readonly<Record<Lang, T>>;

/** Ephemeral replies follow the caller's Discord client: Korean for `ko`, English for everything else. */
export function langOf(locale: string | null | undefined): Lang {
	return locale?.startsWith('ko') ? 'ko' : 'en';
}

/** The same message in both languages, e.g. for a `UserError`. */
export function localize<T>(messages: Messages<T>, pick: (catalog: T) => string): Record<Lang, string> {
	return { ko: pick(messages.ko), en: pick(messages.en) };
}

/** The languages a public post is written in, Korean first when both. */
export function langsFor(setting: ServerLanguage): readonly Lang[] {
	return setting === 'both' ? LANGS : [setting];
}
