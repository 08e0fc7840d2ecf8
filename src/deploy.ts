import {
	DiscordAPIError,
	REST,
	Routes,
	type APIApplication,
	type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from './command.js';
import type { Config } from './config.js';

export type DeployScope = 'guild' | 'global';

export function commandBodies(commands: readonly Command[]): RESTPostAPIApplicationCommandsJSONBody[] {
	return commands.map((command) => command.data);
}

/**
 * Replaces the registered commands with exactly `commands`, in one bulk overwrite, and returns the
 * names Discord now has. Guild commands update at once (for testing); global ones reach every server.
 */
export async function deployCommands(
	config: Config,
	scope: DeployScope,
	commands: readonly Command[],
): Promise<string[]> {
	if (scope === 'guild' && !config.guildId) {
		throw new DeployError('DISCORD_GUILD_ID is not set: put the ID of your test server in .env, or use deploy:global.');
	}
	const rest = new REST({ api: config.apiUrl }).setToken(config.token);
	try {
		const applicationId = config.applicationId ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
		const route =
			scope === 'guild'
				? Routes.applicationGuildCommands(applicationId, config.guildId!)
				: Routes.applicationCommands(applicationId);
		const registered = (await rest.put(route, { body: commandBodies(commands) })) as { name: string }[];
		return registered.map((command) => command.name);
	} catch (error) {
		throw explain(error, scope);
	}
}

export class DeployError extends Error {
	public override readonly name = 'DeployError';
}

function explain(error: unknown, scope: DeployScope): Error {
	if (!(error instanceof DiscordAPIError)) return error instanceof Error ? error : new Error(String(error));
	if (error.status === 401)
		return new DeployError('Discord rejected DISCORD_TOKEN. Reset it in the Developer Portal and update .env.');
	if (error.status === 403 && scope === 'guild') {
		return new DeployError(
			'Discord refused: the bot is not in DISCORD_GUILD_ID, or was invited without the applications.commands scope. Invite it with the URL from the README.',
		);
	}
	return new DeployError(`Discord refused the commands (${error.status} ${error.code}): ${error.message}`);
}
