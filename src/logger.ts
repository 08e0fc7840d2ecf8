import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/**
 * Interaction and webhook tokens travel in the path (`/interactions/:id/:token/callback`,
 * `/webhooks/:app/:token/messages/@original`), so a failed request's URL in an error carries one.
 */
const TOKEN_IN_PATH = /\/(interactions|webhooks)\/(\d+)\/[^/?#\s"\\]+/g;

/** Below this a "secret" is too short to be one (e.g. the empty token of a dry run) and would match anything. */
const MIN_SECRET_LENGTH = 8;

export interface LoggerOptions {
	/** strings that must never reach a log line, e.g. the bot token */
	readonly secrets?: readonly string[];
	readonly destination?: DestinationStream;
}

/**
 * JSON logs on stdout (or a given stream). No line holds a token: every finished line is scrubbed (so an
 * error's `url`, `message`, `stack`, `requestBody` or `cause` is covered, however deep), and token keys are redacted.
 */
export function createLogger(level: string, { secrets = [], destination }: LoggerOptions = {}): Logger {
	const literal = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
	const scrub = (line: string): string =>
		literal.reduce(
			(text, secret) => text.replaceAll(secret, REDACTED),
			line.replace(TOKEN_IN_PATH, `/$1/$2/${REDACTED}`),
		);
	return pino(
		{
			level,
			base: { name: 'her-film-club' },
			redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: REDACTED },
			hooks: { streamWrite: scrub },
		},
		destination,
	);
}
