import type {
	AutocompleteInteraction,
	ButtonInteraction,
	ChatInputCommandInteraction,
	ModalSubmitInteraction,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from './context.js';
import type { CustomId } from './custom-id.js';

/** One slash command: its API definition and every handler that belongs to it, in one file under `commands/`. */
export interface Command {
	readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody;
	/**
	 * What posts in the channel for everyone to see, and so counts against one member's limit there
	 * (`FLOOD_LIMIT` a minute, applied by the router): the command itself (`true`) or these subcommands of it,
	 * and these button actions.
	 */
	readonly publicPost?: { readonly command?: true | readonly string[]; readonly buttons?: readonly string[] };
	execute(interaction: ChatInputCommandInteraction<'cached'>, ctx: BotContext): Promise<void>;
	autocomplete?(interaction: AutocompleteInteraction<'cached'>, ctx: BotContext): Promise<void>;
	/** Buttons whose custom_id names this command. Throw `UserError` for an action or args it doesn't know. */
	button?(interaction: ButtonInteraction<'cached'>, id: CustomId, ctx: BotContext): Promise<void>;
	modal?(interaction: ModalSubmitInteraction<'cached'>, id: CustomId, ctx: BotContext): Promise<void>;
}
