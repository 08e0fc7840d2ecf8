import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs the `npm start` entry with exactly `env`, from an empty folder so no developer .env is read. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
	const cwd = mkdtempSync(join(tmpdir(), 'hfc-start-'));
	const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/index.ts')], {
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
