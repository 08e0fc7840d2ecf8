import { MessageFlags, type Interaction } from 'discord.js';
import type { Logger } from './logger.js';
import { langOf } from './i18n/index.js';
import { operationsText } from './i18n/operations.js';
import type { Metrics } from './metrics.js';

/**
 * Lets interactions through to the router until the bot starts to stop; after that each new one gets a
 * short "restarting" note in the member's language (Discord would otherwise show "did not respond"), while
 * the ones already in flight are waited for.
 */
export class InteractionGate {
	private readonly inFlight = new Set<Promise<void>>();
	private closed = false;

	public constructor(
		private readonly route: (interaction: Interaction) => Promise<void>,
		private readonly logger: Logger,
		private readonly metrics: Metrics,
	) {}

	public handle(interaction: Interaction): void {
		const handled = this.closed ? this.turnAway(interaction) : this.route(interaction);
		const tracked = handled.finally(() => this.inFlight.delete(tracked));
		this.inFlight.add(tracked);
	}

	/** Stops taking interactions; resolves when those already in flight are done. */
	public async close(): Promise<void> {
		this.closed = true;
		await Promise.allSettled([...this.inFlight]);
	}

	private async turnAway(interaction: Interaction): Promise<void> {
		this.metrics.interaction(interaction, 'restarting', 0);
		try {
			if (interaction.isAutocomplete()) await interaction.respond([]);
			else if (interaction.isRepliable()) {
				await interaction.reply({
					content: operationsText[langOf(interaction.locale)].restarting,
					flags: MessageFlags.Ephemeral,
				});
			}
		} catch (error) {
			this.logger.warn({ err: error, interactionId: interaction.id }, 'could not answer an interaction while stopping');
		}
	}
}
