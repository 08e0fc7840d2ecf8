import { canonicalTimeZone, offsetAt } from './time.js';

/** Where most members of a film club about Her live, offered first. */
export const COMMON_TIME_ZONES: readonly string[] = [
	'Asia/Seoul',
	'Asia/Tokyo',
	'America/New_York',
	'America/Los_Angeles',
	'Europe/London',
	'America/Chicago',
	'America/Denver',
	'America/Toronto',
	'America/Vancouver',
	'America/Sao_Paulo',
	'Europe/Paris',
	'Europe/Berlin',
	'Asia/Shanghai',
	'Asia/Taipei',
	'Asia/Hong_Kong',
	'Asia/Singapore',
	'Asia/Kolkata',
	'Australia/Sydney',
	'Pacific/Auckland',
	'UTC',
];

export const DEFAULT_TIME_ZONE = 'Asia/Seoul';

// ICU (as in Node 20) still lists some zones under names IANA has since replaced; members know the new ones.
const CURRENT_NAMES: Readonly<Record<string, string>> = {
	'Africa/Asmera': 'Africa/Asmara',
	'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
	'America/Catamarca': 'America/Argentina/Catamarca',
	'America/Coral_Harbour': 'America/Atikokan',
	'America/Cordoba': 'America/Argentina/Cordoba',
	'America/Godthab': 'America/Nuuk',
	'America/Indianapolis': 'America/Indiana/Indianapolis',
	'America/Jujuy': 'America/Argentina/Jujuy',
	'America/Louisville': 'America/Kentucky/Louisville',
	'America/Mendoza': 'America/Argentina/Mendoza',
	'Asia/Calcutta': 'Asia/Kolkata',
	'Asia/Katmandu': 'Asia/Kathmandu',
	'Asia/Rangoon': 'Asia/Yangon',
	'Asia/Saigon': 'Asia/Ho_Chi_Minh',
	'Atlantic/Faeroe': 'Atlantic/Faroe',
	'Europe/Kiev': 'Europe/Kyiv',
	'Pacific/Enderbury': 'Pacific/Kanton',
	'Pacific/Ponape': 'Pacific/Pohnpei',
	'Pacific/Truk': 'Pacific/Chuuk',
};

let allZones: readonly string[] | undefined;
const canonicalNames = new Map<string, string | undefined>();

function canonicalOf(zone: string): string | undefined {
	if (!canonicalNames.has(zone)) canonicalNames.set(zone, canonicalTimeZone(zone));
	return canonicalNames.get(zone);
}

/** Every zone Intl knows, common ones first, each under its current IANA name where Intl accepts it. */
export function allTimeZones(): readonly string[] {
	allZones ??= [
		...new Set([
			...COMMON_TIME_ZONES,
			...Intl.supportedValuesOf('timeZone').map((zone) => {
				const current = CURRENT_NAMES[zone];
				return current && canonicalTimeZone(current) ? current : zone;
			}),
		]),
	];
	return allZones;
}

/**
 * The zone a user typed, spelled as we list it (`asia/seoul` → `Asia/Seoul`), or undefined if Intl
 * does not know it. Raw offsets are refused: a club's time should follow its zone's DST.
 */
export function resolveTimeZone(input: string): string | undefined {
	const canonical = canonicalTimeZone(input);
	if (!canonical) return undefined;
	const typed = input.trim().toLowerCase();
	return (
		allTimeZones().find((zone) => zone.toLowerCase() === typed) ??
		allTimeZones().find((zone) => canonicalOf(zone) === canonical) ??
		canonical
	);
}

export function formatOffset(offsetMs: number): string {
	const sign = offsetMs < 0 ? '−' : '+';
	const minutes = Math.abs(Math.round(offsetMs / 60_000));
	return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const MAX_CHOICES = 25;

/**
 * Autocomplete for `timezone`: what matches the typed text (spaces count as underscores, so "new york"
 * finds America/New_York), common zones first, then zones whose city starts with it, at most 25, each
 * labelled with its UTC offset at `now`.
 */
export function timeZoneChoices(typed: string, now: Date): { name: string; value: string }[] {
	const query = typed.trim().toLowerCase().replace(/\s+/g, '_');
	const rank = (zone: string): number => {
		const lower = zone.toLowerCase();
		const city = lower.slice(lower.lastIndexOf('/') + 1);
		if (COMMON_TIME_ZONES.includes(zone)) return 0;
		if (city.startsWith(query)) return 1;
		return 2;
	};
	return allTimeZones()
		.filter((zone) => query === '' || zone.toLowerCase().includes(query))
		.map((zone, index) => ({ zone, index, rank: rank(zone) }))
		.sort((a, b) => a.rank - b.rank || a.index - b.index)
		.slice(0, MAX_CHOICES)
		.map(({ zone }) => ({
			name: `${zone} (${formatOffset(offsetAt(now.getTime(), zone))})`.slice(0, 100),
			value: zone,
		}));
}
