/** Request parsing and response helpers shared by the REST handlers. */
import type { IncomingMessage } from 'node:http';
import type { Json } from './world.js';

export interface ParsedBody {
	body: unknown;
	files: { name: string; filename: string; size: number }[];
	raw: string;
}

export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const buf = Buffer.concat(chunks);
	const type = req.headers['content-type'] ?? '';
	if (buf.length === 0) return { body: undefined, files: [], raw: '' };
	if (type.startsWith('multipart/form-data')) return parseMultipart(buf, type);
	const raw = buf.toString('utf8');
	try {
		return { body: JSON.parse(raw) as unknown, files: [], raw };
	} catch {
		return { body: raw, files: [], raw };
	}
}

function parseMultipart(buf: Buffer, type: string): ParsedBody {
	const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
	const b = boundary?.[1] ?? boundary?.[2];
	const result: ParsedBody = { body: undefined, files: [], raw: '' };
	if (!b) return result;
	const text = buf.toString('latin1');
	for (const part of text.split(`--${b}`)) {
		const sep = part.indexOf('\r\n\r\n');
		if (sep < 0) continue;
		const head = part.slice(0, sep);
		const content = part.slice(sep + 4).replace(/\r\n$/, '');
		const name = /name="([^"]*)"/.exec(head)?.[1];
		const filename = /filename="([^"]*)"/.exec(head)?.[1];
		if (name === 'payload_json') {
			const json = Buffer.from(content, 'latin1').toString('utf8');
			result.raw = json;
			try {
				result.body = JSON.parse(json) as unknown;
			} catch {
				result.body = json;
			}
		} else if (name !== undefined) {
			result.files.push({ name, filename: filename ?? name, size: Buffer.byteLength(content, 'latin1') });
		}
	}
	return result;
}

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
export const noContent = (): Reply => ({ status: 204 });
export const error = (status: number, code: number, message: string, extra: Json = {}): Reply => ({
	status,
	body: { message, code, ...extra },
});

export const notFound = (): Reply => error(404, 0, '404: Not Found');
export const unknownChannel = (): Reply => error(404, 10003, 'Unknown Channel');
export const unknownMessage = (): Reply => error(404, 10008, 'Unknown Message');
export const unknownGuild = (): Reply => error(404, 10004, 'Unknown Guild');
export const unknownWebhook = (): Reply => error(404, 10015, 'Unknown Webhook');
/** An interaction token used more than 15 minutes after the interaction. */
export const invalidWebhookToken = (): Reply => error(401, 50027, 'Invalid Webhook Token');
export const unknownInteraction = (): Reply => error(404, 10062, 'Unknown interaction');
export const missingAccess = (): Reply => error(403, 50001, 'Missing Access');
export const missingPermissions = (): Reply => error(403, 50013, 'Missing Permissions');
