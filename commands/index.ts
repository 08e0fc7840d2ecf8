import type { Command } from '../src/command.js';
import herAbout from './her-about.js';
import herQuestion from './her-question.js';
import herQuote from './her-quote.js';
import herRecommend from './her-recommend.js';
import herWatchparty from './her-watchparty.js';
import herReflection from './her-reflection.js';
import herSettings from './her-settings.js';

/** Every slash command, once: the router and the deploy script both read this list. */
export const COMMANDS: readonly Command[] = [
	herQuote,
	herQuestion,
	herRecommend,
	herWatchparty,
	herAbout,
	herSettings,
	herReflection,
];
