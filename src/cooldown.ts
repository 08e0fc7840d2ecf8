/** At most `max` uses per key in any `windowMs` (a sliding window, not fixed minutes). */
export interface Limit {
	readonly max: number;
	readonly windowMs: number;
}

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAt: Date };

/** Counts uses per key against a `Limit`. Pure apart from its own memory: the caller passes `now`. */
export class SlidingWindow {
	private readonly uses = new Map<string, number[]>();
	private sweptAt = Number.NEGATIVE_INFINITY;

	public constructor(private readonly limit: Limit) {}

	/** Counts a use of `key` at `now` if the window has room for it; otherwise says when it will. Refusals don't count. */
	public take(key: string, now: Date): Verdict {
		const at = now.getTime();
		this.sweep(at);
		const recent = (this.uses.get(key) ?? []).filter((used) => used > at - this.limit.windowMs);
		if (recent.length >= this.limit.max) {
			this.uses.set(key, recent);
			// Room again once the oldest use that fills the window has slid out of it.
			return { allowed: false, retryAt: new Date(recent[recent.length - this.limit.max]! + this.limit.windowMs) };
		}
		this.uses.set(key, [...recent, at]);
		return { allowed: true };
	}

	/** Forgets keys with no use left in the window, at most once per window, so memory follows active members. */
	private sweep(at: number): void {
		if (at - this.sweptAt < this.limit.windowMs) return;
		this.sweptAt = at;
		for (const [key, times] of this.uses) {
			if (times.every((used) => used <= at - this.limit.windowMs)) this.uses.delete(key);
		}
	}
}
