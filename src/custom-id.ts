/**
 * Buttons and modals carry `hfc1:<command>:<action>[:<arg>...]`. The version prefix lets a future
 * release retire old buttons cleanly: anything that doesn't parse, or names an unknown command or
 * action, is answered "this button has expired" instead of being guessed at.
 */
const PREFIX = 'hfc1';
const SEPARATOR = ':';
const MAX_LENGTH = 100;

export interface CustomId {
	readonly command: string;
	readonly action: string;
	readonly args: readonly string[];
}

export function encodeCustomId(command: string, action: string, ...args: readonly (string | number)[]): string {
	const parts = [PREFIX, command, action, ...args.map(String)];
	if (parts.some((part) => part.includes(SEPARATOR))) throw new Error(`custom_id part contains "${SEPARATOR}"`);
	const id = parts.join(SEPARATOR);
	if (id.length > MAX_LENGTH) throw new Error(`custom_id longer than ${MAX_LENGTH}: ${id}`);
	return id;
}

export function decodeCustomId(raw: string): CustomId | undefined {
	const [prefix, command, action, ...args] = raw.split(SEPARATOR);
	if (prefix !== PREFIX || !command || !action) return undefined;
	return { command, action, args };
}
