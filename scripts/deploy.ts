import dotenv from 'dotenv';
import { COMMANDS } from '../commands/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { commandBodies, DeployError, deployCommands, type DeployScope } from '../src/deploy.js';

// `npm run deploy:guild` / `deploy:global`, with `-- --dry-run` to print the JSON and touch nothing, or
// `-- --clear` to remove every command of this bot from that scope (e.g. guild copies left from testing).
dotenv.config({ quiet: true });

const USAGE = 'usage: tsx scripts/deploy.ts guild|global [--dry-run] [--clear] (npm run deploy:guild / deploy:global)';
const FLAGS: readonly string[] = ['--dry-run', '--clear'];
const isScope = (arg: string | undefined): arg is DeployScope => arg === 'guild' || arg === 'global';

// A typo or a missing scope is refused before anything is sent, instead of landing on some scope nobody meant.
const [scope, ...flags] = process.argv.slice(2);
if (!isScope(scope) || flags.some((flag) => !FLAGS.includes(flag))) {
	process.stderr.write(`her-film-club deploy: ${USAGE}\n`);
	process.exit(2);
}
const dryRun = flags.includes('--dry-run');
const commands = flags.includes('--clear') ? [] : COMMANDS;

if (dryRun) {
	process.stdout.write(`${JSON.stringify(commandBodies(commands), null, 2)}\n`);
	process.exit(0);
}

try {
	const config = loadConfig(process.env);
	const names = await deployCommands(config, scope, commands);
	const where =
		scope === 'guild' ? `server ${config.guildId}` : 'every server (global; may take a few minutes to show)';
	process.stdout.write(
		names.length === 0
			? `Removed every command of this bot from ${where}.\n`
			: `Registered ${names.length} commands in ${where}: ${names.map((name) => `/${name}`).join(', ')}\n`,
	);
} catch (error) {
	if (error instanceof ConfigError || error instanceof DeployError) {
		process.stderr.write(`her-film-club deploy: ${error.message}\n`);
		process.exit(1);
	}
	throw error;
}
