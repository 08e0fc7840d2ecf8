/**
 * The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay,
 * dispatches filtered by intents, and the faults tests inject (close codes, op 7, op 9).
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Guild, Json, World } from './world.js';
import { guildCreatePayload, userPayload } from './world.js';

export interface GatewayOpRecord {
	dir: 'in' | 'out';
	op: number;
	t?: string | null;
	s?: number | null;
	/** inbound payloads are kept whole; outbound only for non-GUILD_CREATE dispatches */
	d?: unknown;
	sessionId?: string;
	time: number;
}

interface Session {
	id: string;
	seq: number;
	socket: WebSocket | null;
	intents: number;
	shard: [number, number];
	/** sent events kept for replay (ring) plus events queued while disconnected */
	buffer: { s: number; t: string; data: string }[];
	createdAt: number;
	resumeCount: number;
}

const GUILDS = 1 << 0;
const GUILD_MESSAGES = 1 << 9;
const GUILD_SCHEDULED_EVENTS = 1 << 16;

function intentFor(t: string): number {
	if (t.startsWith('GUILD_SCHEDULED_EVENT_')) return GUILD_SCHEDULED_EVENTS;
	if (t.startsWith('MESSAGE_') && !t.startsWith('MESSAGE_REACTION')) return GUILD_MESSAGES;
	if (
		t.startsWith('GUILD_') &&
		!t.startsWith('GUILD_MEMBER') &&
		!t.startsWith('GUILD_BAN') &&
		!t.startsWith('GUILD_EMOJIS') &&
		!t.startsWith('GUILD_STICKERS') &&
		!t.startsWith('GUILD_INTEGRATIONS') &&
		!t.startsWith('GUILD_AUDIT')
	) {
		return GUILDS;
	}
	if (t.startsWith('CHANNEL_') || t.startsWith('THREAD_') || t.startsWith('STAGE_INSTANCE_')) return GUILDS;
	return 0;
}

const REPLAY_RING = 500;

export interface GatewayOptions {
	heartbeatIntervalMs: number;
	/** when set, IDENTIFY/RESUME with another token is closed with 4004 */
	token?: string;
	/** where resume_gateway_url points */
	url: () => string;
	/** guilds per bulk-send before awaiting the socket write */
	batch?: number;
}

export class Gateway {
	readonly ops: GatewayOpRecord[] = [];
	readonly sessions = new Map<string, Session>();
	/** connection URLs (path + query) as discord.js opened them */
	readonly connections: string[] = [];
	readonly problems: string[] = [];
	private readonly sockets = new Set<WebSocket>();
	private sessionCounter = 0;
	/** RESUMEs left unanswered while resumes are held; null when they are answered at once. */
	private heldResumes: (() => void)[] | null = null;

	constructor(
		private readonly world: World,
		private readonly options: GatewayOptions,
		private readonly onRecord: (rec: GatewayOpRecord) => void,
	) {}

	private record(rec: GatewayOpRecord): void {
		this.ops.push(rec);
		this.onRecord(rec);
	}

	handleConnection(ws: WebSocket, req: IncomingMessage): void {
		this.sockets.add(ws);
		const url = req.url ?? '/';
		this.connections.push(url);
		const params = new URL(url, 'ws://127.0.0.1').searchParams;
		if (params.get('v') !== '10' || params.get('encoding') !== 'json' || params.has('compress')) {
			this.problems.push(`gateway connected with unexpected query: ${url}`);
		}
		let session: Session | null = null;
		ws.on('close', () => {
			this.sockets.delete(ws);
			if (session && session.socket === ws) session.socket = null;
		});
		ws.on('error', () => undefined);
		ws.on('message', (raw, isBinary) => {
			let payload: Json;
			try {
				if (isBinary) throw new Error('binary frame');
				payload = JSON.parse(
					Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(raw as Buffer[]).toString('utf8'),
				) as Json;
			} catch {
				ws.close(4002, 'Error while decoding payload.');
				return;
			}
			const op = payload.op as number;
			this.record({ dir: 'in', op, d: payload.d, time: Date.now(), sessionId: session?.id });
			switch (op) {
				case 1:
					this.sendRaw(ws, { op: 11 }, session?.id);
					break;
				case 2:
					if (session) {
						ws.close(4005, 'Already authenticated.');
						return;
					}
					session = this.identify(ws, payload.d as Json);
					break;
				case 6:
					if (session) {
						ws.close(4005, 'Already authenticated.');
						return;
					}
					if (this.heldResumes) {
						const d = payload.d as Json;
						this.heldResumes.push(() => {
							if (ws.readyState === ws.OPEN) session = this.resume(ws, d);
						});
						break;
					}
					session = this.resume(ws, payload.d as Json);
					break;
				case 3:
				case 4:
				case 8:
				case 31:
					if (!session) ws.close(4003, 'Not authenticated.');
					break;
				default:
					ws.close(4001, 'Unknown opcode.');
			}
		});
		this.sendRaw(ws, { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['fake-gateway'] } });
	}

	private sendRaw(ws: WebSocket, payload: Json, sessionId?: string): void {
		if (ws.readyState !== ws.OPEN) return;
		ws.send(JSON.stringify({ s: null, t: null, ...payload }));
		if (payload.op !== 0) this.record({ dir: 'out', op: payload.op as number, time: Date.now(), sessionId });
	}

	private checkToken(ws: WebSocket, token: unknown): boolean {
		const t = typeof token === 'string' ? token.replace(/^Bot /, '') : '';
		if (!t || (this.options.token !== undefined && t !== this.options.token)) {
			ws.close(4004, 'Authentication failed.');
			return false;
		}
		return true;
	}

	private identify(ws: WebSocket, d: Json): Session | null {
		if (!this.checkToken(ws, d?.token)) return null;
		if (d.compress === true) this.problems.push('IDENTIFY asked for payload compression');
		if (typeof d.intents !== 'number') {
			ws.close(4013, 'Invalid intent(s).');
			return null;
		}
		const shard = (Array.isArray(d.shard) ? d.shard : [0, 1]) as [number, number];
		const session: Session = {
			id: `fake-session-${++this.sessionCounter}-${Math.random().toString(36).slice(2, 10)}`,
			seq: 0,
			socket: ws,
			intents: d.intents,
			shard,
			buffer: [],
			createdAt: Date.now(),
			resumeCount: 0,
		};
		this.sessions.set(session.id, session);
		const guilds = [...this.world.guilds.values()].filter((g) => this.onShard(g.id, shard));
		this.send(session, 'READY', {
			v: 10,
			user_settings: {},
			user: { ...userPayload(this.world.bot), verified: true, mfa_enabled: false, email: null },
			guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
			session_id: session.id,
			session_type: 'normal',
			resume_gateway_url: this.options.url(),
			shard,
			application: { id: this.world.applicationId, flags: 0 },
			private_channels: [],
			relationships: [],
			presences: [],
			guild_join_requests: [],
			geo_ordered_rtc_regions: ['fake'],
			_trace: ['fake-gateway'],
		});
		void this.sendGuilds(session, guilds);
		return session;
	}

	private async sendGuilds(session: Session, guilds: Guild[]): Promise<void> {
		const batch = this.options.batch ?? 100;
		for (let i = 0; i < guilds.length; i++) {
			const g = guilds[i]!;
			if (!this.world.guilds.has(g.id)) continue;
			if (i % batch === batch - 1) {
				// wait until this batch has been written to the socket before building the next
				await new Promise<void>((resolve) =>
					this.send(session, 'GUILD_CREATE', guildCreatePayload(this.world, g), { keep: false, onWritten: resolve }),
				);
			} else {
				this.send(session, 'GUILD_CREATE', guildCreatePayload(this.world, g), { keep: false });
			}
		}
	}

	private resume(ws: WebSocket, d: Json): Session | null {
		if (!this.checkToken(ws, d?.token)) return null;
		const session = this.sessions.get(String(d?.session_id));
		if (!session) {
			this.sendRaw(ws, { op: 9, d: false });
			return null;
		}
		if (session.socket && session.socket !== ws) session.socket.terminate();
		session.socket = ws;
		session.resumeCount++;
		const from = Number(d.seq ?? 0);
		for (const e of session.buffer) if (e.s > from) ws.send(e.data);
		this.send(session, 'RESUMED', { _trace: ['fake-gateway'] });
		return session;
	}

	private onShard(guildId: string, [id, count]: [number, number]): boolean {
		return count <= 1 || Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
	}

	private send(session: Session, t: string, d: unknown, opts: { keep?: boolean; onWritten?: () => void } = {}): void {
		const s = ++session.seq;
		const data = JSON.stringify({ op: 0, t, s, d });
		const ws = session.socket;
		const open = ws !== null && ws.readyState === ws.OPEN;
		const done = opts.onWritten;
		if (open) ws.send(data, done ? () => done() : undefined);
		else if (done) setImmediate(done);
		if (!open || opts.keep !== false) {
			session.buffer.push({ s, t, data });
			if (open && session.buffer.length > REPLAY_RING) session.buffer.splice(0, session.buffer.length - REPLAY_RING);
		}
		this.record({
			dir: 'out',
			op: 0,
			t,
			s,
			d: t === 'GUILD_CREATE' ? undefined : d,
			sessionId: session.id,
			time: Date.now(),
		});
	}

	/** The session interactions go to: the newest connected one, else the newest. */
	currentSession(): Session | undefined {
		const all = [...this.sessions.values()];
		return all.reverse().find((s) => s.socket && s.socket.readyState === s.socket.OPEN) ?? all[0];
	}

	/**
	 * Send a dispatch. Without `sessionId`, goes to every session (on the guild's shard when `guildId`
	 * is given) that subscribed to the event's intent; queued for replay while a session is disconnected.
	 */
	dispatch(t: string, d: unknown, opts: { sessionId?: string; guildId?: string } = {}): number {
		const intent = intentFor(t);
		let n = 0;
		for (const session of this.sessions.values()) {
			if (opts.sessionId !== undefined && session.id !== opts.sessionId) continue;
			if (intent && !(session.intents & intent)) continue;
			if (opts.guildId !== undefined && !this.onShard(opts.guildId, session.shard)) continue;
			this.send(session, t, d);
			n++;
		}
		return n;
	}

	dispatchTo(session: Session, t: string, d: unknown): void {
		this.send(session, t, d);
	}

	private liveSockets(): WebSocket[] {
		return [...this.sockets].filter((s) => s.readyState === s.OPEN);
	}

	/** Close every live gateway socket with `code` (1006 = terminate without a close frame). */
	close(code: number, reason = 'fake-discord'): number {
		const live = this.liveSockets();
		for (const ws of live) {
			if (code === 1006) ws.terminate();
			else ws.close(code, reason);
		}
		return live.length;
	}

	/** op 7 RECONNECT to every live socket. */
	reconnect(): number {
		const live = this.liveSockets();
		for (const ws of live) this.sendRaw(ws, { op: 7, d: null });
		return live.length;
	}

	/** op 9 INVALID SESSION; a non-resumable one also forgets the sessions. */
	invalidateSession(resumable: boolean): number {
		const live = this.liveSockets();
		for (const ws of live) this.sendRaw(ws, { op: 9, d: resumable });
		if (!resumable) {
			for (const [id, s] of this.sessions) if (s.socket && live.includes(s.socket)) this.sessions.delete(id);
		}
		return live.length;
	}

	/** Leave RESUMEs unanswered (the bot stays disconnected) until `releaseResumes()`. */
	holdResumes(): void {
		this.heldResumes ??= [];
	}

	/** Answer the held RESUMEs, and every later one at once. */
	releaseResumes(): void {
		const held = this.heldResumes ?? [];
		this.heldResumes = null;
		for (const answer of held) answer();
	}

	shutdown(): void {
		for (const ws of this.sockets) ws.terminate();
		this.sockets.clear();
	}
}
