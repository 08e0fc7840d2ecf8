import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, test } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { createPostgresDatabase } from './support/databases.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs the `npm start` entry with exactly `env`, from an empty folder so no developer .env is read. */
function start(
	env: Record<string, string>,
	root = ROOT,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
	const cwd = mkdtempSync(join(tmpdir(), 'hfc-start-'));
	const child = spawn(process.execPath, ['--import', TSX, join(root, 'src/index.ts')], {
		cwd,
		env: { PATH: process.env.PATH ?? '', ...env },
	});
	let stderr = '';
	let stdout = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	return new Promise((done) => child.on('close', (code) => done({ code, stderr, stdout })));
}

describe('npm start with a bad configuration', () => {
	test('Given no token, then it exits non-zero with one line pointing at .env.example and the README', async () => {
		const { code, stderr, stdout } = await start({});
		expect(code).toBe(1);
		expect(stdout).toBe('');
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toContain('DISCORD_TOKEN is missing');
		expect(stderr).toContain('.env.example');
		expect(stderr).toContain('README.md');
	});

	test('Given a malformed token and a bad log level, then both are named in that one line and the token is not', async () => {
		const token = 'definitely-not-a-valid-token';
		const { code, stderr } = await start({ DISCORD_TOKEN: token, LOG_LEVEL: 'chatty' });
		expect(code).toBe(1);
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toContain('DISCORD_TOKEN does not look like a bot token');
		expect(stderr).toContain('LOG_LEVEL');
		expect(stderr).not.toContain(token);
		expect(stderr).not.toMatch(/\n\s+at /);
	});
});

describe('npm start with a database path it cannot use', () => {
	test('Given DATABASE_PATH under a file, then it exits non-zero with one line naming the path and how to fix it', async () => {
		const { code, stderr } = await start({
			DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB',
			DISCORD_API_URL: 'http://127.0.0.1:9/api',
			DATABASE_PATH: '/dev/null/her.sqlite',
		});
		expect(code).toBe(1);
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toContain('cannot open the database at DATABASE_PATH=/dev/null/her.sqlite');
		expect(stderr).toContain('writable');
	});
});

describe('npm start with a DATABASE_URL it cannot use', () => {
	const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';
	const server = () => new URL(inject('postgresUrl'));

	test.each([
		['nothing listens there', () => 'postgres://her:s3cret-pass@127.0.0.1:1/her_film_club', 'connection refused'],
		[
			'the password is wrong',
			() => `postgres://postgres:s3cret-pass@${server().host}/postgres`,
			'the password was refused',
		],
		[
			'it is not a PostgreSQL URL',
			() => 'mysql://her:s3cret-pass@127.0.0.1/her',
			'DATABASE_URL must be a PostgreSQL URL',
		],
	])('Given %s, then it exits non-zero with one line saying so, without the password', async (_, url, reason) => {
		const { code, stderr } = await start({
			DISCORD_TOKEN: TOKEN,
			DISCORD_API_URL: 'http://127.0.0.1:9/api',
			DATABASE_URL: url(),
		});
		expect(code).toBe(1);
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toContain(reason);
		expect(stderr).not.toContain('s3cret-pass');
	});

	test('Given a database of a newer schema than this release knows, then it exits with one line naming both', async () => {
		const { url } = await createPostgresDatabase();
		const newer = { version: MIGRATIONS.length + 1, name: 'from a newer release', sqlite: '', postgres: '' };
		await (await openDatabase({ url }, [...MIGRATIONS, newer])).destroy();
		const { code, stderr } = await start({
			DISCORD_TOKEN: TOKEN,
			DISCORD_API_URL: 'http://127.0.0.1:9/api',
			DATABASE_URL: url,
		});
		expect(code).toBe(1);
		expect(stderr.trim().split('\n')).toHaveLength(1);
		expect(stderr).toContain(
			`the database is at schema ${newer.version}, newer than this release of the bot knows (${MIGRATIONS.length})`,
		);
		expect(stderr).toContain('DATABASE_URL');
	});
});

describe('npm start with a broken dataset', () => {
	test('Given a quote whose excerpt is not in its review, then it stops before connecting, naming the file, the id and the problem', async () => {
		// A copy of the project whose data an operator edited by hand.
		const copy = mkdtempSync(join(tmpdir(), 'hfc-broken-data-'));
		for (const part of ['src', 'commands', 'data', 'package.json'])
			cpSync(join(ROOT, part), join(copy, part), { recursive: true });
		symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
		const quotesFile = join(copy, 'data/quotes.json');
		const quotes = JSON.parse(readFileSync(quotesFile, 'utf8')) as { id: string; source: { excerpt: string } }[];
		quotes[0]!.source.excerpt = '리뷰에 없는 문장입니다.';
		writeFileSync(quotesFile, JSON.stringify(quotes));

		const { code, stderr } = await start(
			{
				DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB',
				DISCORD_API_URL: 'http://127.0.0.1:9/api',
			},
			copy,
		);
		expect(code).toBe(1);
		expect(stderr).toContain('the dataset is broken');
		expect(stderr).toContain(`data/quotes.json › ${quotes[0]!.id}: source.excerpt is not found`);
		expect(stderr).not.toMatch(/\n\s+at /);
		rmSync(copy, { recursive: true, force: true });
	});
});
