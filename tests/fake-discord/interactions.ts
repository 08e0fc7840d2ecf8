/** Building INTERACTION_CREATE payloads as Discord sends them. */

import type { Channel, Guild, Json, User, World } from './world.js';
import { ChannelKind, channelPayload, isThread, memberPayload, rolePayload, userPayload } from './world.js';

export type OptionValue = string | number | boolean;

interface InteractBase {
	guildId: string;
	channelId: string;
	/** the member who interacts (default: a fresh en-US user) */
	user?: User;
	/** overrides user.locale */
	locale?: string;
}

export type InteractInit = InteractBase &
	(
		| {
				kind: 'command';
				name: string;
				subcommand?: string;
				group?: string;
				/** values by option name; types come from the registered command, else from the JS type */
				options?: Record<string, OptionValue>;
				/** raw wire options instead of `options` */
				rawOptions?: Json[];
		  }
		| {
				kind: 'autocomplete';
				name: string;
				subcommand?: string;
				group?: string;
				options?: Record<string, OptionValue>;
				/** the option being typed into */
				focused: string;
		  }
		| { kind: 'button'; customId: string; messageId?: string }
		| { kind: 'select'; customId: string; values: string[]; messageId?: string }
		| { kind: 'modal'; customId: string; fields: Record<string, string>; messageId?: string }
	);

export interface InteractionState {
	id: string;
	token: string;
	type: number;
	guildId: string;
	channelId: string;
	userId: string;
	payload: Json;
	dispatchedAt: number;
	callback?: { type: number; data?: Json; at: number; latencyMs: number };
	/** message that @original refers to */
	originalMessageId?: string;
	/** the component's message for component/modal interactions */
	sourceMessageId?: string;
	followups: string[];
}

function inferType(v: OptionValue): number {
	if (typeof v === 'boolean') return 5;
	if (typeof v === 'number') return Number.isInteger(v) ? 4 : 10;
	return 3;
}

export function partialChannel(world: World, channel: Channel, userId: string): Json {
	const full = channelPayload(channel, world);
	delete full.permission_overwrites;
	delete full.member;
	return { ...full, permissions: world.permissions(channel.id, userId).toString() };
}

/** Wire options (and `resolved`) for a chat-input or autocomplete interaction. */
export function buildCommandOptions(
	world: World,
	guild: Guild,
	definition: Json | undefined,
	init: { subcommand?: string; group?: string; options?: Record<string, OptionValue>; focused?: string },
): { options: Json[]; resolved?: Json } {
	const defs = (definition?.options ?? []) as Json[];
	const leaf: Json[] = [];
	const resolved: Json = {};
	for (const [name, value] of Object.entries(init.options ?? {})) {
		let scope = defs;
		if (init.group) scope = (scope.find((d) => d.name === init.group)?.options ?? []) as Json[];
		if (init.subcommand) scope = (scope.find((d) => d.name === init.subcommand)?.options ?? []) as Json[];
		const def = scope.find((d) => d.name === name);
		const type = (def?.type as number | undefined) ?? inferType(value);
		const opt: Json = { name, type, value };
		if (init.focused === name) opt.focused = true;
		if (init.focused !== name && type === 7) {
			const ch = world.channel(String(value));
			if (ch) ((resolved.channels ??= {}) as Json)[ch.id] = resolvedChannel(world, ch);
		}
		if (init.focused !== name && type === 8) {
			const r = guild.roles.get(String(value));
			if (r) ((resolved.roles ??= {}) as Json)[r.id] = rolePayload(r);
		}
		if (init.focused !== name && type === 6) {
			const u = world.users.get(String(value));
			if (u) {
				((resolved.users ??= {}) as Json)[u.id] = userPayload(u);
				const m = memberPayload(world, guild, u);
				delete m.user;
				((resolved.members ??= {}) as Json)[u.id] = {
					...m,
					permissions: world.basePermissions(guild, u.id).toString(),
				};
			}
		}
		leaf.push(opt);
	}
	let options = leaf;
	if (init.subcommand) options = [{ name: init.subcommand, type: 1, options }];
	if (init.group) options = [{ name: init.group, type: 2, options }];
	return { options, ...(Object.keys(resolved).length ? { resolved } : {}) };
}

function resolvedChannel(world: World, ch: Channel): Json {
	const base: Json = {
		id: ch.id,
		name: ch.name,
		type: ch.type,
		permissions: world.botPermissions(ch.id).toString(),
		flags: 0,
	};
	if (isThread(ch.type)) {
		base.parent_id = ch.parentId;
		base.thread_metadata = channelPayload(ch, world).thread_metadata;
	} else if (ch.type === ChannelKind.GuildText) {
		base.parent_id = ch.parentId;
	}
	return base;
}

/** Modal submit `data.components` mirroring the modal the bot opened (rows or labels). */
export function modalComponents(modal: Json | undefined, fields: Record<string, string>): Json[] {
	const top = (modal?.components ?? []) as Json[];
	if (top.length === 0) {
		return Object.entries(fields).map(([custom_id, value]) => ({
			type: 1,
			components: [{ type: 4, custom_id, value }],
		}));
	}
	return top.map((c) => {
		if (c.type === 18 && c.component) {
			const inner = c.component as Json;
			return {
				type: 18,
				id: c.id,
				component: {
					type: inner.type,
					id: inner.id,
					custom_id: inner.custom_id,
					value: fields[inner.custom_id as string] ?? '',
				},
			};
		}
		return {
			type: 1,
			id: c.id,
			components: ((c.components ?? []) as Json[]).map((i) => ({
				type: i.type,
				id: i.id,
				custom_id: i.custom_id,
				value: fields[i.custom_id as string] ?? '',
			})),
		};
	});
}
