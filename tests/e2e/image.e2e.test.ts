/**
 * The container image without Docker (which can't run where this is tested): the Dockerfile's steps, done
 * by the same scripts/image-steps.sh, in a temporary copy of a fresh clone. The one step that needs the
 * network, `npm ci`, is stood in for by the installed node_modules (hard links: quick, and npm prune only
 * unlinks); the build then compiles, prunes the dev dependencies offline and lays out the image's /app.
 * That layout is made read-only and started with the image's start command, as a non-root user when the
 * test runs as root (as CI does), against the fake Discord.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT, eventually, expectClean, startClub, use, type Club, type LogRecord } from './harness.js';

const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;
const workspace = mkdtempSync(join(tmpdir(), 'hfc-image-'));
let club: Club | undefined;

afterAll(async () => {
	await club?.fake.close();
	run('chmod', ['-R', 'u+w', workspace], tmpdir());
	rmSync(workspace, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
	return execFileSync(command, args, {
		cwd,
		env: { PATH: process.env.PATH ?? '', HOME: workspace, ...env },
	}).toString();
}

/** The Dockerfile's build stage: COPY . . (what a fresh clone holds), npm ci, image-steps.sh build. */
function buildStage(): string {
	const checkout = join(workspace, 'build');
	const tracked = run('git', ['ls-files', '-z'], ROOT).split('\0').filter(Boolean);
	for (const file of tracked) {
		if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(checkout, file), { recursive: true });
	}
	run('cp', ['-al', join(ROOT, 'node_modules'), checkout], workspace);
	// npm rewrites this one file in place: a copy, so the worktree's own stays untouched.
	rmSync(join(checkout, 'node_modules/.package-lock.json'));
	cpSync(join(ROOT, 'node_modules/.package-lock.json'), join(checkout, 'node_modules/.package-lock.json'));
	run('sh', ['scripts/image-steps.sh', 'build'], checkout, { npm_config_offline: 'true' });
	return join(checkout, 'image');
}

/** The runtime stage: /app read-only to the bot, var/ (the volume) its only writable place. */
function runtimeStage(app: string): void {
	mkdirSync(join(app, 'var'));
	chmodSync(workspace, 0o755);
	chmodSync(join(workspace, 'build'), 0o755);
	if (asRoot) chownSync(join(app, 'var'), NOBODY, NOBODY);
	else run('chmod', ['-R', 'a-w', app], workspace);
	chmodSync(join(app, 'var'), 0o755);
}

describe('the container image', () => {
	test('Given the image built by its steps, then it holds compiled JavaScript and production dependencies only, starts read-only as non-root, answers, is healthy, and stops on SIGTERM', async () => {
		const app = buildStage();
		runtimeStage(app);

		expect(readdirSync(app).sort()).toEqual(['data', 'dist', 'node_modules', 'package.json', 'scripts', 'var']);
		expect(existsSync(join(app, 'dist/src/index.js'))).toBe(true);
		for (const devOnly of ['typescript', 'tsx', 'vitest', 'eslint', 'prettier']) {
			expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
		}
		for (const needed of ['discord.js', 'better-sqlite3', 'prom-client']) {
			expect(existsSync(join(app, 'node_modules', needed)), needed).toBe(true);
		}

		club = await startClub();
		club.fake.commands.clear();
		const env = {
			PATH: process.env.PATH ?? '',
			TZ: 'America/Los_Angeles',
			NODE_ENV: 'production',
			DISCORD_TOKEN: club.config.token,
			DISCORD_API_URL: club.fake.api,
			DATABASE_PATH: join(app, 'var/her-film-club.sqlite'),
			HEALTH_PORT: '0',
			HEALTH_HOST: '127.0.0.1',
		};
		const child = spawn('sh', ['scripts/image-steps.sh', 'start'], {
			cwd: app,
			env,
			...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
		const logs = () =>
			stdout
				.split('\n')
				.filter((line) => line.startsWith('{'))
				.map((line) => JSON.parse(line) as LogRecord);

		try {
			await eventually(() => logs().some((record) => record.msg === 'ready'), `the bot to be ready: ${stderr}`, 20_000);
			expect(club.fake.registeredCommands('global').length).toBeGreaterThan(0);
			const { id } = await use(club, {
				kind: 'command',
				name: 'her-quote',
				guildId: club.guilds.en.id,
				channelId: club.guilds.en.general,
			});
			expect(((await club.fake.reply(id)).embeds as unknown[]).length).toBe(1);
			expect(existsSync(join(app, 'var/her-film-club.sqlite'))).toBe(true);

			const { port } = logs().find((record) => record.msg === 'health and metrics listening') as LogRecord & {
				port: number;
			};
			// The image's HEALTHCHECK command itself.
			expect(() => run('sh', ['scripts/image-steps.sh', 'health'], app, { HEALTH_PORT: String(port) })).not.toThrow();
		} finally {
			child.kill('SIGTERM');
		}
		expect(await exited).toBe(0);
		expect(stderr).toBe('');
		expectClean(club);
	}, 120_000);
});
