import { MessageFlags, type Interaction } from 'discord.js';
import type { Logger } from './logger.js';
import { langOf } from './i18n/index.js';
import { operationsText } from './i18n/operations.js';

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
		private readonly onTurnedAway: (interaction: Interaction) => void = () => undefined,
	) {}

	public get closing(): boolean {
		return this.closed;
	}

	public handle(interaction: Interaction): void {
		const handled = this.closed ? this.turnAway(interaction) : this.route(interaction);
		const tracked = handled.finally(() => this.inFlight.delete(tracked));
		this.inFlight.add(tracked);
	}

	/** Stops taking interactions; resolves when those in flight are done, or after `timeoutMs` (false then). */
	public async close(timeoutMs: number): Promise<boolean> {
		this.closed = true;
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
		const drained = Promise.allSettled([...this.inFlight]).then(() => true as const);
		const done = await Promise.race([drained, timedOut]);
		clearTimeout(timer);
		return done;
	}

	private async turnAway(interaction: Interaction): Promise<void> {
		this.onTurnedAway(interaction);
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
