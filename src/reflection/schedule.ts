import { createHash } from 'node:crypto';
import { localDateOf, nextDueAt, previousDueAt, type DailyTime, type LocalDate } from './time.js';

/** What the scheduler knows about one server when its row comes due. */
export interface DueSchedule extends DailyTime {
	readonly nextDueAt: Date;
}

export type Decision =
	/** Not due yet. */
	| { readonly kind: 'wait' }
	/** Post today's prompt now: on time, or late but still on the same local date. */
	| { readonly kind: 'post'; readonly localDate: LocalDate; readonly dueAt: Date; readonly lateByMs: number }
	/** The due date has passed without a post (the bot was down): never post it, wait for the next one. */
	| { readonly kind: 'skip'; readonly missedDate: LocalDate; readonly nextDueAt: Date };

/**
 * The decision for a schedule at `now`. A post is only ever for the local date of `now`, so a bot that
 * was down for days sends at most today's prompt (late, if today's time has passed) and never a backlog;
 * on a day the schedule does not post (a weekday rhythm on Saturday) a missed day is skipped, not posted.
 */
export function decide(schedule: DueSchedule, now: Date): Decision {
	if (now < schedule.nextDueAt) return { kind: 'wait' };
	const latest = previousDueAt({ ...schedule, at: now });
	const today = localDateOf(now, schedule.timeZone);
	if (localDateOf(latest, schedule.timeZone) === today) {
		return { kind: 'post', localDate: today, dueAt: latest, lateByMs: now.getTime() - latest.getTime() };
	}
	return {
		kind: 'skip',
		missedDate: localDateOf(schedule.nextDueAt, schedule.timeZone),
		nextDueAt: nextDueAt({ ...schedule, after: now }),
	};
}

/**
 * The first due time after `now` that falls on a local date later than `date` and is not in `taken`
 * (dates that already have a post), so rescheduling never promises a second post on one day.
 */
export function nextDueAfter(
	schedule: DailyTime,
	now: Date,
	isTaken: (date: LocalDate) => boolean = () => false,
	date?: LocalDate,
): Date {
	let candidate = nextDueAt({ ...schedule, after: now });
	for (let guard = 0; guard < 10; guard++) {
		const candidateDate = localDateOf(candidate, schedule.timeZone);
		if ((date === undefined || candidateDate > date) && !isTaken(candidateDate)) return candidate;
		candidate = nextDueAt({ ...schedule, after: candidate });
	}
	return candidate;
}

/**
 * The Discord message nonce for a schedule's post on a local date: the same on every retry, so a send
 * repeated after a crash (with `enforce_nonce`) returns the first message instead of posting again, and
 * different per channel, so two schedules of a server posting the same day never collide.
 * Discord allows 25 characters; two snowflakes plus a date are longer, so it is a hash.
 */
export function reflectionNonce(guildId: string, channelId: string, localDate: LocalDate): string {
	const key = `reflection:${guildId}:${channelId}:${localDate}`;
	return `hfr${createHash('sha256').update(key).digest('hex').slice(0, 22)}`;
}
