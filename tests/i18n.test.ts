import { describe, expect, test } from 'vitest';
import { common } from '../src/i18n/common.js';
import { contentText } from '../src/i18n/content.js';
import { langOf, langsFor, type Messages } from '../src/i18n/index.js';
import { operationsText } from '../src/i18n/operations.js';
import { reflectionText } from '../src/reflection/messages.js';
import { renderText } from '../src/render/messages.js';
import { watchPartyText } from '../src/watchparty/messages.js';

const CATALOGS: [string, Messages<object>][] = [
	['common', common],
	['content', contentText],
	['operations', operationsText],
	['render', renderText],
	['reflection', reflectionText],
	['watch party', watchPartyText],
];

/** A sample argument that reads as text, and whose every property (for object parameters) does too. */
const SAMPLE: unknown = new Proxy(
	{},
	{ get: (_, key) => (key === Symbol.toPrimitive ? () => 'X1' : key === 'length' ? 1 : SAMPLE) },
);

/** Every message of a catalog as text: functions are called with sample arguments. */
function flatten(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
	if (typeof value === 'string') out.set(path, value);
	else if (typeof value === 'function') {
		const args = Array.from({ length: value.length }, () => SAMPLE);
		out.set(path, String((value as (...a: unknown[]) => unknown)(...args)));
	} else if (value && typeof value === 'object') {
		for (const [key, child] of Object.entries(value)) flatten(child, `${path}.${key}`, out);
	}
	return out;
}

describe.each(CATALOGS)('the %s catalog', (_, catalog) => {
	const ko = flatten(catalog.ko, '', new Map());
	const en = flatten(catalog.en, '', new Map());

	test('Then Korean and English have exactly the same messages', () => {
		expect([...ko.keys()].sort()).toEqual([...en.keys()].sort());
	});

	test('Then no message is empty or shows "undefined", "null" or "[object Object]"', () => {
		for (const [key, text] of [...ko, ...en]) {
			expect(text.trim(), key).not.toBe('');
			expect(text, key).not.toMatch(/undefined|null|\[object Object\]/);
		}
	});

	test('Then every sentence-long Korean message is actually Korean', () => {
		for (const [key, text] of ko) {
			if (text.length > 25 && /[a-z]{4,} [a-z]{4,} [a-z]{4,}/.test(text) && !/[\uac00-\ud7a3]/.test(text)) {
				throw new Error(`${key} looks untranslated: ${text}`);
			}
		}
	});
});

describe('choosing a language', () => {
	test.each([
		['ko', 'ko'],
		['en-US', 'en'],
		['en-GB', 'en'],
		['ja', 'en'],
		[null, 'en'],
	])('Given a caller with locale %s, then ephemeral replies are in %s', (locale, lang) => {
		expect(langOf(locale)).toBe(lang);
	});

	test('Given a bilingual server, then public posts are Korean first, then English', () => {
		expect(langsFor('both')).toEqual(['ko', 'en']);
		expect(langsFor('en')).toEqual(['en']);
	});
});
