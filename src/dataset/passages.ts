/**
 * Passages: the sentences of a review, and which items draw on each. An item uses every sentence its excerpt
 * touches, so two items citing different halves of one sentence share a passage.
 */

/** At most this many items may draw on one sentence of a review, so the dataset does not repeat itself. */
export const MAX_ITEMS_PER_PASSAGE = 2;

const collapse = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/**
 * Splits a review into sentences: after . ? ! (and a closing quote) before a space, at a blank line (the first
 * review's headings and paragraphs), and at a line break after a Korean sentence ending (the second review breaks
 * lines mid-sentence, and ends some sentences without a full stop: "…되나 보다", "…인공지능이라니").
 */
export function splitSentences(review: string): string[] {
	return review
		.normalize('NFC')
		.split(/(?<=[.?!][”’"']?)\s+|\n\s*\n|(?<=[다니])[ \t]*\n/)
		.map(collapse)
		.filter(Boolean);
}

export type PassageUse = { review: string; sentence: string; items: string[] };

/** Every sentence of every review with the ids of the items whose excerpt touches it, in review order. */
export function passageUse(
	reviews: readonly { id: string; text: string }[],
	items: readonly { id: string; source: { review: string; excerpt: string } }[],
): PassageUse[] {
	const uses: PassageUse[] = [];
	for (const review of reviews) {
		const text = collapse(review.text);
		let from = 0;
		const sentences = splitSentences(review.text).map((sentence) => {
			const start = text.indexOf(sentence, from);
			from = start + sentence.length;
			return { sentence, start, end: from, items: [] as string[] };
		});
		for (const item of items) {
			if (item.source.review !== review.id) continue;
			const excerpt = collapse(item.source.excerpt);
			const start = text.indexOf(excerpt);
			if (start < 0) continue; // reported by the excerpt check
			const end = start + excerpt.length;
			for (const s of sentences) if (start < s.end && end > s.start) s.items.push(item.id);
		}
		for (const { sentence, items: ids } of sentences) uses.push({ review: review.id, sentence, items: ids });
	}
	return uses;
}
