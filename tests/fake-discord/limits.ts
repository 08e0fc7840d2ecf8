/**
 * Discord's documented limits for what the bot sends. Each check returns a list of field errors;
 * `formBody` turns them into Discord's `{ code: 50035, message: 'Invalid Form Body', errors }`.
 */
import { Locale } from 'discord-api-types/v10';
import type { Json } from './world.js';

export interface FieldError {
	path: (string | number)[];
	code: string;
	message: string;
}

export const VALID_LOCALES: ReadonlySet<string> = new Set(Object.values(Locale));

const COMMAND_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const SNOWFLAKE = /^\d{17,20}$/;

export function formBody(errors: FieldError[]): Json {
	const tree: Json = {};
	for (const e of errors) {
		let node = tree;
		for (const key of e.path) {
			const k = String(key);
			node[k] ??= {};
			node = node[k] as Json;
		}
		((node._errors ??= []) as Json[]).push({ code: e.code, message: e.message });
	}
	return { code: 50035, message: 'Invalid Form Body', errors: tree };
}

class Checker {
	readonly errors: FieldError[] = [];
	fail(path: (string | number)[], code: string, message: string): void {
		this.errors.push({ path, code, message });
	}
	str(path: (string | number)[], v: unknown, min: number, max: number, required = false): void {
		if (v === undefined || v === null) {
			if (required) this.fail(path, 'BASE_TYPE_REQUIRED', 'This field is required');
			return;
		}
		if (typeof v !== 'string') {
			this.fail(path, 'STRING_TYPE_CONVERT', 'Could not interpret value as string.');
			return;
		}
		const len = [...v].length;
		if (len > max) this.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
		if (len < min) this.fail(path, 'BASE_TYPE_MIN_LENGTH', `Must be ${min} or more in length.`);
	}
	arr(path: (string | number)[], v: unknown, max: number, min = 0): v is unknown[] {
		if (v === undefined || v === null) return false;
		if (!Array.isArray(v)) {
			this.fail(path, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
			return false;
		}
		if (v.length > max) this.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
		if (v.length < min) this.fail(path, 'BASE_TYPE_MIN_LENGTH', `Must be ${min} or more in length.`);
		return true;
	}
}

function len(v: unknown): number {
	return typeof v === 'string' ? [...v].length : 0;
}

function checkEmbeds(c: Checker, embeds: unknown): void {
	if (!c.arr(['embeds'], embeds, 10)) return;
	let total = 0;
	(embeds as Json[]).forEach((e, i) => {
		const p = ['embeds', i];
		if (typeof e !== 'object' || e === null) {
			c.fail(p, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
			return;
		}
		c.str([...p, 'title'], e.title, 0, 256);
		c.str([...p, 'description'], e.description, 0, 4096);
		c.str([...p, 'footer', 'text'], e.footer?.text, 0, 2048, e.footer !== undefined);
		c.str([...p, 'author', 'name'], e.author?.name, 0, 256, e.author !== undefined);
		if (e.url !== undefined && e.url !== null && !/^https?:\/\//.test(String(e.url))) {
			c.fail([...p, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
		}
		if (
			e.color !== undefined &&
			e.color !== null &&
			(!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)
		) {
			c.fail([...p, 'color'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
		}
		if (e.timestamp !== undefined && e.timestamp !== null && Number.isNaN(Date.parse(String(e.timestamp)))) {
			c.fail([...p, 'timestamp'], 'DATE_TIME_TYPE_PARSE', 'Could not parse timestamp.');
		}
		total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
		if (c.arr([...p, 'fields'], e.fields, 25)) {
			(e.fields as Json[]).forEach((f, j) => {
				c.str([...p, 'fields', j, 'name'], f?.name, 1, 256, true);
				c.str([...p, 'fields', j, 'value'], f?.value, 1, 1024, true);
				total += len(f?.name) + len(f?.value);
			});
		}
	});
	if (total > 6000) c.fail(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function checkButtonOrSelect(c: Checker, comp: Json, p: (string | number)[], customIds: Set<string>): void {
	if (comp.type === 2) {
		if (comp.style === 5) {
			if (typeof comp.url !== 'string') c.fail([...p, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
			if (comp.custom_id !== undefined) {
				c.fail([...p, 'custom_id'], 'COMPONENT_LINK_BUTTON_CUSTOM_ID', 'A link button cannot have a custom id');
			}
		} else if (comp.style !== 6) {
			c.str([...p, 'custom_id'], comp.custom_id, 1, 100, true);
		}
		if (!(Number.isInteger(comp.style) && comp.style >= 1 && comp.style <= 6)) {
			c.fail([...p, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
		}
		c.str([...p, 'label'], comp.label, 0, 80);
		if (comp.label === undefined && comp.emoji === undefined && comp.style !== 6) {
			c.fail([...p], 'BUTTON_COMPONENT_MISSING_LABEL_OR_EMOJI', 'A button must have a label or an emoji');
		}
	} else if ([3, 5, 6, 7, 8].includes(comp.type as number)) {
		c.str([...p, 'custom_id'], comp.custom_id, 1, 100, true);
		c.str([...p, 'placeholder'], comp.placeholder, 0, 150);
		if (comp.type === 3 && c.arr([...p, 'options'], comp.options, 25, 1)) {
			(comp.options as Json[]).forEach((o, k) => {
				c.str([...p, 'options', k, 'label'], o?.label, 1, 100, true);
				c.str([...p, 'options', k, 'value'], o?.value, 1, 100, true);
				c.str([...p, 'options', k, 'description'], o?.description, 0, 100);
			});
		}
	} else if (comp.type === 4) {
		c.str([...p, 'custom_id'], comp.custom_id, 1, 100, true);
		c.str([...p, 'label'], comp.label, 1, 45);
		c.str([...p, 'value'], comp.value, 0, 4000);
		c.str([...p, 'placeholder'], comp.placeholder, 0, 100);
	} else {
		c.fail([...p, 'type'], 'UNION_TYPE_CHOICES', `Value of field "type" must be one of (2, 3, 4, 5, 6, 7, 8).`);
		return;
	}
	if (typeof comp.custom_id === 'string') {
		if (customIds.has(comp.custom_id)) {
			c.fail([...p, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
		}
		customIds.add(comp.custom_id);
	}
}

function checkComponents(c: Checker, components: unknown, maxRows = 5): void {
	if (!c.arr(['components'], components, maxRows)) return;
	const customIds = new Set<string>();
	(components as Json[]).forEach((row, i) => {
		const p = ['components', i];
		if (row?.type !== 1) {
			// Components v2 or modal labels: check the nested interactive component only.
			if (row?.type === 18 && row.component)
				checkButtonOrSelect(c, row.component as Json, [...p, 'component'], customIds);
			return;
		}
		if (!c.arr([...p, 'components'], row.components, 5, 1)) return;
		const inner = row.components as Json[];
		const selects = inner.filter((x) => x?.type !== 2).length;
		if (selects > 0 && inner.length > 1) {
			c.fail(
				[...p, 'components'],
				'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
				'The specified component exceeds the maximum width',
			);
		}
		inner.forEach((comp, j) => checkButtonOrSelect(c, comp, [...p, 'components', j], customIds));
	});
}

function checkAllowedMentions(c: Checker, am: unknown): void {
	if (am === undefined || am === null) return;
	if (typeof am !== 'object') {
		c.fail(['allowed_mentions'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
		return;
	}
	const a = am as Json;
	for (const key of Object.keys(a)) {
		if (!['parse', 'roles', 'users', 'replied_user'].includes(key)) {
			c.fail(['allowed_mentions', key], 'UNKNOWN_FIELD', `Unknown field ${key}`);
		}
	}
	if (c.arr(['allowed_mentions', 'parse'], a.parse, 3)) {
		a.parse.forEach((v, i) => {
			if (!['roles', 'users', 'everyone'].includes(v as string)) {
				c.fail(['allowed_mentions', 'parse', i], 'BASE_TYPE_CHOICES', 'Value must be one of {users, roles, everyone}.');
			}
		});
	}
	for (const k of ['roles', 'users'] as const) {
		if (c.arr(['allowed_mentions', k], a[k], 100)) {
			a[k].forEach((v, i) => {
				if (typeof v !== 'string' || !SNOWFLAKE.test(v)) {
					c.fail(['allowed_mentions', k, i], 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not snowflake.`);
				}
			});
			if (Array.isArray(a.parse) && (a.parse as unknown[]).includes(k) && a[k].length > 0) {
				c.fail(
					['allowed_mentions'],
					'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
					`parse:["${k}"] and ${k}: [ids...] are mutually exclusive.`,
				);
			}
		}
	}
	if (a.replied_user !== undefined && typeof a.replied_user !== 'boolean') {
		c.fail(['allowed_mentions', 'replied_user'], 'BASE_TYPE_BAD_TYPE', 'Must be a boolean');
	}
}

/** A message body (channel message, interaction response data, webhook execute/edit). */
export function checkMessage(body: Json | undefined, opts: { requireContent?: boolean } = {}): FieldError[] {
	const c = new Checker();
	if (!body || typeof body !== 'object') return c.errors;
	c.str(['content'], body.content, 0, 2000);
	checkEmbeds(c, body.embeds);
	const isV2 = typeof body.flags === 'number' && (body.flags & (1 << 15)) !== 0;
	checkComponents(c, body.components, isV2 ? 40 : 5);
	checkAllowedMentions(c, body.allowed_mentions);
	if (body.nonce !== undefined && body.nonce !== null) {
		const n = body.nonce as unknown;
		if (typeof n === 'string' ? n.length > 25 : !Number.isInteger(n)) {
			c.fail(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
		}
	}
	if (opts.requireContent) {
		const empty =
			!body.content &&
			!(Array.isArray(body.embeds) && body.embeds.length) &&
			!(Array.isArray(body.components) && body.components.length) &&
			!(Array.isArray(body.sticker_ids) && body.sticker_ids.length) &&
			!(Array.isArray(body.attachments) && body.attachments.length) &&
			!body.poll;
		if (empty) c.fail([], 'EMPTY_MESSAGE', 'Cannot send an empty message');
	}
	return c.errors;
}

export function checkThreadName(name: unknown): FieldError[] {
	const c = new Checker();
	c.str(['name'], name, 1, 100, true);
	return c.errors;
}

export function checkAutocomplete(data: Json | undefined): FieldError[] {
	const c = new Checker();
	if (c.arr(['data', 'choices'], data?.choices, 25)) checkChoices(c, ['data', 'choices'], data.choices as Json[]);
	else c.fail(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
	return c.errors;
}

export function checkModal(data: Json | undefined): FieldError[] {
	const c = new Checker();
	c.str(['data', 'title'], data?.title, 1, 45, true);
	c.str(['data', 'custom_id'], data?.custom_id, 1, 100, true);
	const inner = new Checker();
	checkComponents(inner, data?.components);
	if (!Array.isArray(data?.components) || data.components.length === 0) {
		c.fail(['data', 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
	}
	for (const e of inner.errors) c.errors.push({ ...e, path: ['data', ...e.path] });
	return c.errors;
}

function checkChoices(c: Checker, p: (string | number)[], choices: Json[]): void {
	choices.forEach((ch, i) => {
		c.str([...p, i, 'name'], ch?.name, 1, 100, true);
		if (typeof ch?.value === 'string') c.str([...p, i, 'value'], ch.value, 1, 100);
		else if (typeof ch?.value !== 'number') c.fail([...p, i, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
		checkLocalizations(c, [...p, i, 'name_localizations'], ch?.name_localizations, 1, 100);
	});
}

function checkLocalizations(c: Checker, p: (string | number)[], loc: unknown, min: number, max: number): void {
	if (loc === undefined || loc === null) return;
	if (typeof loc !== 'object') {
		c.fail(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
		return;
	}
	for (const [k, v] of Object.entries(loc as Json)) {
		if (!VALID_LOCALES.has(k)) c.fail([...p, k], 'ENUM_TYPE_COERCE', `Value "${k}" is not a valid enum value.`);
		else c.str([...p, k], v, min, max, true);
	}
}

function checkName(c: Checker, p: (string | number)[], name: unknown, lowercase: boolean): void {
	if (typeof name !== 'string') {
		c.fail(p, 'BASE_TYPE_REQUIRED', 'This field is required');
		return;
	}
	if (!COMMAND_NAME.test(name)) c.fail(p, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
	else if (lowercase && name !== name.toLowerCase()) {
		c.fail(p, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
	}
}

function checkOptions(c: Checker, p: (string | number)[], options: unknown, depth: number): void {
	if (!c.arr(p, options, 25)) return;
	const seen = new Set<string>();
	let optionalSeen = false;
	(options as Json[]).forEach((o, i) => {
		const op = [...p, i];
		checkName(c, [...op, 'name'], o?.name, true);
		if (typeof o?.name === 'string') {
			if (seen.has(o.name)) {
				c.fail([...op, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option name already exists');
			}
			seen.add(o.name);
		}
		c.str([...op, 'description'], o?.description, 1, 100, true);
		checkLocalizations(c, [...op, 'name_localizations'], o?.name_localizations, 1, 32);
		checkLocalizations(c, [...op, 'description_localizations'], o?.description_localizations, 1, 100);
		for (const [k, v] of Object.entries(o?.name_localizations ?? {})) {
			if (typeof v === 'string') checkName(c, [...op, 'name_localizations', k], v, true);
		}
		const type = o?.type as number;
		if (!Number.isInteger(type) || type < 1 || type > 11) {
			c.fail([...op, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1..11}.');
		}
		if (type === 1 || type === 2) {
			if (depth >= 2 || (type === 2 && depth >= 1)) {
				c.fail([...op, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Invalid nesting of subcommands');
			}
			checkOptions(c, [...op, 'options'], o.options, depth + 1);
		} else {
			if (o?.required) {
				if (optionalSeen) {
					c.fail(
						[...op, 'required'],
						'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
						'Required options must be placed before non-required options',
					);
				}
			} else optionalSeen = true;
			if (c.arr([...op, 'choices'], o?.choices, 25)) {
				if (o.autocomplete) {
					c.fail([...op, 'autocomplete'], 'AUTOCOMPLETE_AND_CHOICES', 'Autocomplete cannot be set with choices');
				}
				checkChoices(c, [...op, 'choices'], o.choices as Json[]);
			}
			if (type === 3) {
				if (o?.min_length !== undefined && !(o.min_length >= 0 && o.min_length <= 6000)) {
					c.fail([...op, 'min_length'], 'NUMBER_TYPE_MAX', 'Out of range');
				}
				if (o?.max_length !== undefined && !(o.max_length >= 1 && o.max_length <= 6000)) {
					c.fail([...op, 'max_length'], 'NUMBER_TYPE_MAX', 'Out of range');
				}
			}
		}
	});
}

function commandSize(cmd: Json): number {
	// Combined characters of names, descriptions and choice values (all locales).
	let n = 0;
	const count = (o: Json | undefined): void => {
		if (!o) return;
		n += len(o.name) + len(o.description);
		if (typeof o.value === 'string') n += len(o.value);
		else if (typeof o.value === 'number') n += String(o.value).length;
		for (const v of Object.values((o.name_localizations ?? {}) as Json)) n += len(v);
		for (const v of Object.values((o.description_localizations ?? {}) as Json)) n += len(v);
		for (const x of (o.options ?? []) as Json[]) count(x);
		for (const x of (o.choices ?? []) as Json[]) count(x);
	};
	count(cmd);
	return n;
}

/** Bulk-overwrite body: an array of application commands. */
export function checkCommands(body: unknown): FieldError[] {
	const c = new Checker();
	if (!Array.isArray(body)) {
		c.fail([], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
		return c.errors;
	}
	const seen = new Set<string>();
	(body as Json[]).forEach((cmd, i) => {
		const type = (cmd?.type as number | undefined) ?? 1;
		const chat = type === 1;
		checkName(c, [i, 'name'], cmd?.name, chat);
		if (!chat && typeof cmd?.name === 'string') c.str([i, 'name'], cmd.name, 1, 32);
		const key = `${type}:${String(cmd?.name)}`;
		if (seen.has(key)) {
			c.fail([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
		}
		seen.add(key);
		if (chat) c.str([i, 'description'], cmd?.description, 1, 100, true);
		else if (cmd?.description) c.fail([i, 'description'], 'BASE_TYPE_MAX_LENGTH', 'Must be 0 or fewer in length.');
		checkLocalizations(c, [i, 'name_localizations'], cmd?.name_localizations, 1, 32);
		for (const [k, v] of Object.entries(cmd?.name_localizations ?? {})) {
			if (typeof v === 'string' && VALID_LOCALES.has(k)) checkName(c, [i, 'name_localizations', k], v, chat);
		}
		checkLocalizations(c, [i, 'description_localizations'], cmd?.description_localizations, 1, 100);
		checkOptions(c, [i, 'options'], cmd?.options, 0);
		if (cmd?.default_member_permissions !== undefined && cmd.default_member_permissions !== null) {
			if (typeof cmd.default_member_permissions !== 'string' || !/^\d+$/.test(cmd.default_member_permissions)) {
				c.fail([i, 'default_member_permissions'], 'NUMBER_TYPE_COERCE', 'Value is not a valid permission set.');
			}
		}
		const size = commandSize(cmd ?? {});
		if (size > 4000) {
			c.fail([i], 'APPLICATION_COMMAND_TOO_LARGE', `Command exceeds maximum size (4000), is ${size}`);
		}
	});
	if (body.length > 100) c.fail([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
	return c.errors;
}

export function checkScheduledEvent(body: Json | undefined, nowMs: number, creating: boolean): FieldError[] {
	const c = new Checker();
	if (!body) return c.errors;
	c.str(['name'], body.name, 1, 100, creating);
	c.str(['description'], body.description, 0, 1000);
	if (creating && body.privacy_level !== 2) {
		c.fail(['privacy_level'], 'BASE_TYPE_CHOICES', 'Value must be one of {2}.');
	}
	const start = body.scheduled_start_time as string | undefined;
	if (creating && start === undefined) c.fail(['scheduled_start_time'], 'BASE_TYPE_REQUIRED', 'This field is required');
	if (start !== undefined) {
		const t = Date.parse(String(start));
		if (Number.isNaN(t)) c.fail(['scheduled_start_time'], 'DATE_TIME_TYPE_PARSE', 'Could not parse timestamp.');
		else if (t < nowMs) {
			c.fail(
				['scheduled_start_time'],
				'GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST',
				'Cannot schedule event in the past.',
			);
		}
		if (body.scheduled_end_time !== undefined && body.scheduled_end_time !== null) {
			const e = Date.parse(String(body.scheduled_end_time));
			if (Number.isNaN(e) || e <= t) {
				c.fail(['scheduled_end_time'], 'GUILD_SCHEDULED_EVENT_END_BEFORE_START', 'End time must be after start time.');
			}
		}
	}
	if (body.entity_type === 3) {
		c.str(['entity_metadata', 'location'], body.entity_metadata?.location, 1, 100, true);
		if (creating && !body.scheduled_end_time) {
			c.fail(['scheduled_end_time'], 'BASE_TYPE_REQUIRED', 'This field is required');
		}
	} else if (creating && body.entity_type !== 1 && body.entity_type !== 2) {
		c.fail(['entity_type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3}.');
	} else if (creating && !body.channel_id) {
		c.fail(['channel_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
	}
	return c.errors;
}
