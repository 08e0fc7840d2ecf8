import type { Logger } from '../logger.js';

/**
 * Tells the operator once that the database went away and once that it is back, however many interactions
 * and job ticks meet the outage in between (each of them only apologises or waits for the next tick).
 */
export class DatabaseOutage {
	private since: number | undefined;

	public constructor(private readonly logger: Logger) {}

	public get ongoing(): boolean {
		return this.since !== undefined;
	}

	/** A query failed because the database is unreachable. */
	public met(error: unknown): void {
		if (this.since !== undefined) return;
		this.since = performance.now();
		this.logger.error(
			{ err: error },
			'the database is unreachable: members get an apology and jobs wait until it is back',
		);
	}

	/** Something that needed the database just worked. */
	public over(): void {
		if (this.since === undefined) return;
		const seconds = Math.round((performance.now() - this.since) / 1000);
		this.since = undefined;
		this.logger.warn({ seconds }, 'the database is back; jobs carry on where they were');
	}
}
