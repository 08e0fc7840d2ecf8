import {
	MessageFlags,
	type AutocompleteInteraction,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type Interaction,
	type RepliableInteraction,
} from 'discord.js';
import type { Command } from './command.js';
import type { BotContext } from './context.js';
import { SlidingWindow } from './cooldown.js';
import { decodeCustomId } from './custom-id.js';
import { UserError, isGone, isUnanswerable } from './errors.js';
import { isDatabaseUnavailable } from './store/database.js';
import { common } from './i18n/common.js';
import { langOf, localize } from './i18n/index.js';
import type { InteractionOutcome } from './metrics.js';

/**
 * The one `interactionCreate` handler: finds the command an interaction belongs to and runs it inside
 * the one error boundary. Expected failures (`UserError`) reach the user in their language; anything
 * else is logged with context and the user gets a short apology, never a stack trace.
 */
export function createRouter(commands: readonly Command[], ctx: BotContext) {
	const byName = new Map(commands.map((command) => [command.data.name, command]));
	// Abuse protection, so memory is enough: a restart forgetting the counts is harmless. A guild's interactions
	// all reach the one shard (and process) that has the guild, so this count is the member's whole count there.
	const perMinute = ctx.config.floodLimit ?? 0;
	const publicPosts = perMinute > 0 ? new SlidingWindow({ max: perMinute, windowMs: 60_000 }) : undefined;

	function limitPublicPosts(interaction: ChatInputCommandInteraction<'cached'> | ButtonInteraction<'cached'>) {
		const verdict = publicPosts?.take(`${interaction.channelId}:${interaction.user.id}`, ctx.now());
		if (!verdict || verdict.allowed) return;
		const unix = Math.ceil(verdict.retryAt.getTime() / 1000);
		throw new UserError(localize(common, (m) => m.slowDown(unix)));
	}

	async function dispatch(interaction: Interaction): Promise<void> {
		if (!interaction.inCachedGuild()) {
			if (interaction.isRepliable()) throw new UserError(localize(common, (m) => m.guildOnly));
			if (interaction.isAutocomplete()) await interaction.respond([]);
			return;
		}
		if (interaction.isChatInputCommand()) {
			const command = byName.get(interaction.commandName);
			if (!command) throw new UserError(localize(common, (m) => m.unknownCommand));
			const posting = command.publicPost?.command;
			if (posting === true || posting?.includes(interaction.options.getSubcommand(false) ?? '')) {
				limitPublicPosts(interaction);
			}
			await command.execute(interaction, ctx);
		} else if (interaction.isAutocomplete()) {
			const command = byName.get(interaction.commandName);
			if (command?.autocomplete) await command.autocomplete(interaction, ctx);
			else await interaction.respond([]);
		} else if (interaction.isButton() || interaction.isModalSubmit()) {
			const id = decodeCustomId(interaction.customId);
			const command = id && byName.get(id.command);
			const handled = interaction.isButton() ? command?.button !== undefined : command?.modal !== undefined;
			if (!id || !command || !handled) throw expired();
			if (interaction.isButton()) {
				if (command.publicPost?.buttons?.includes(id.action)) limitPublicPosts(interaction);
				await command.button?.(interaction, id, ctx);
			} else {
				await command.modal?.(interaction, id, ctx);
			}
		} else if (interaction.isRepliable()) {
			throw expired();
		}
	}

	return async function route(interaction: Interaction): Promise<void> {
		const started = performance.now();
		let outcome: InteractionOutcome = 'ok';
		try {
			await dispatch(interaction);
		} catch (error) {
			outcome = await report(interaction, error, ctx);
		}
		ctx.metrics?.interaction(interaction, outcome, (performance.now() - started) / 1000);
	};
}

export function expired(): UserError {
	return new UserError(localize(common, (m) => m.expiredButton));
}

function describe(interaction: Interaction) {
	return {
		interactionId: interaction.id,
		guildId: interaction.guildId,
		channelId: interaction.channelId,
		userId: interaction.user.id,
		command: 'commandName' in interaction ? interaction.commandName : undefined,
		customId: 'customId' in interaction ? interaction.customId : undefined,
	};
}

async function report(interaction: Interaction, error: unknown, ctx: BotContext): Promise<InteractionOutcome> {
	const context = describe(interaction);
	const lang = langOf(interaction.locale);
	let content = common[lang].genericError;
	if (error instanceof UserError) {
		ctx.logger.debug({ ...context, reason: error.message }, 'user error');
		content = error.localized[lang];
	} else if (isDatabaseUnavailable(error)) {
		ctx.outage.met(error);
		content = common[lang].databaseAway;
	} else if (isUnanswerable(error)) {
		ctx.logger.info({ ...context, err: error }, 'interaction can no longer be answered');
		return 'gone';
	} else if (isGone(error)) {
		// The message or channel it was about went away mid-way (deleted while Discuss opened its thread...).
		ctx.logger.info({ ...context, err: error }, 'interaction target is gone');
		content = common[lang].targetGone;
	} else {
		ctx.logger.error({ ...context, err: error }, 'interaction failed');
	}
	try {
		if (interaction.isAutocomplete()) await respondEmpty(interaction);
		else if (interaction.isRepliable()) await tell(interaction, content);
	} catch (replyError) {
		ctx.logger.warn({ ...context, err: replyError }, 'could not tell the user about the failure');
	}
	return error instanceof UserError ? 'user-error' : isGone(error) ? 'gone' : 'error';
}

async function respondEmpty(interaction: AutocompleteInteraction): Promise<void> {
	if (!interaction.responded) await interaction.respond([]);
}

/** Shows `content` to the caller alone, however far the interaction has got. */
async function tell(interaction: RepliableInteraction, content: string): Promise<void> {
	if (interaction.deferred && !interaction.replied) {
		await interaction.editReply({ content, embeds: [], components: [] });
	} else if (interaction.replied) {
		await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
	} else {
		await interaction.reply({ content, flags: MessageFlags.Ephemeral });
	}
}
