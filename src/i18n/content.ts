import type { Messages } from './index.js';

/** What the content commands tell the caller alone (ephemeral). */
const en = {
	noQuotesForTheme: 'There are no quotes for that theme yet. Try another theme, or leave it empty.',
	unknownQuote: (id: string) =>
		`There is no quote with the id \`${id}\`. Start typing words from it in \`id\` and pick one from the list.`,
	noQuestions: 'No question matches that theme and phase. Try a wider choice.',
	threadOpened: (threadId: string) => `Thread opened: <#${threadId}>`,
	threadExists: (threadId: string) => `This already has a thread: <#${threadId}>`,
	languageSet: (language: string) => `Public posts in this server will now be in **${language}**.`,
	languageNames: { ko: 'Korean', en: 'English', both: 'Korean and English' },
	unknownLanguage: 'Choose one of the listed languages: Korean, English, or both.',
	spoilerThreadName: 'After watching: a question with spoilers',
	spoilerQuote: (id: string) => `⚠ Spoiler, about the ending · ${id}`,
	threadsNotHere:
		'Threads can’t be opened here (inside a thread, a forum post or a voice channel’s chat). Try it in a text channel.',
	threadFailed:
		'The question is posted, but I could not open a thread on it. Check that I may create public threads here.',
	aboutTitle: 'Her Film Club',
	aboutIntro:
		"A companion for servers that watch and talk about Spike Jonze's *Her* (2013): quotes with their sources, questions to talk about, a watch party that posts spoiler-tagged prompts at the film's beats, and one reflection prompt a day.",
	aboutCommands: 'Commands',
	commandList: [
		'`/her-quote` — a quote with its source; **Another**, **Discuss** and **Card** buttons (`card:true`: a picture to share)',
		'`/her-question` — a question for before, during or after watching',
		'`/her-recommend` — why to watch *Her*, for a particular viewer',
		'`/her-watchparty start` — watch together, with prompts at the story beats',
		'`/her-reflection` — reflection prompts on the days and at the time your server chooses (admins schedule them)',
		'`/her-settings language` — Korean, English or both for public posts (admins)',
		'`/her-settings check` — what the bot may and may not do in a channel, and how to fix it (admins)',
	].join('\n'),
	aboutSources: 'Sources and credits',
	sourceCredit: (title: string, author: string, published: string) => `“${title}” — ${author}, ${published}`,
	aboutDataset: (counts: string) =>
		`Every quote, question and prompt comes from these two Korean reviews (${counts}). Film lines are quoted as the reviews quote them, in Korean; their English is our translation.`,
	aboutGeneralKnowledge:
		"Not everything is from the reviews: the film card's footer names the facts that are general film knowledge, and the watch party's beat minutes are general knowledge too.",
	fontCredit:
		'Quote cards use the SUIT typeface © 2022 SUNN (sun.fo/suit), under the SIL Open Font License 1.1 (openfontlicense.org).',
	counts: (quotes: number, questions: number, reflections: number) =>
		`${quotes} quotes, ${questions} questions, ${reflections} reflection prompts`,
};

const ko: typeof en = {
	noQuotesForTheme: '이 주제의 구절은 아직 없어요. 다른 주제를 고르거나 비워 두세요.',
	unknownQuote: (id) => `\`${id}\` 아이디의 구절이 없어요. \`id\`에 구절 속 단어를 입력하고 목록에서 골라 주세요.`,
	noQuestions: '그 주제와 시점에 맞는 질문이 없어요. 범위를 넓혀 보세요.',
	threadOpened: (threadId) => `스레드를 열었어요: <#${threadId}>`,
	threadExists: (threadId) => `이미 스레드가 있어요: <#${threadId}>`,
	languageSet: (language) => `이제 이 서버의 공개 게시물은 **${language}**로 올라가요.`,
	languageNames: { ko: '한국어', en: '영어', both: '한국어와 영어' },
	unknownLanguage: '목록의 언어 중 하나를 골라 주세요: 한국어, 영어, 또는 둘 다.',
	spoilerThreadName: '본 후에: 스포일러가 있는 질문',
	spoilerQuote: (id) => `⚠ 스포일러, 결말에 관한 구절 · ${id}`,
	threadsNotHere: '여기서는 스레드를 열 수 없어요 (스레드, 포럼 게시물, 음성 채널 채팅 안). 텍스트 채널에서 해 보세요.',
	threadFailed: '질문은 올렸지만 스레드를 열지 못했어요. 이 채널에서 봇이 공개 스레드를 만들 수 있는지 확인해 주세요.',
	aboutTitle: 'Her Film Club',
	aboutIntro:
		'스파이크 존즈 감독의 영화 〈그녀〉(2013)를 함께 보고 이야기하는 서버를 위한 봇이에요. 출처가 있는 구절, 이야기할 질문, 영화의 주요 장면마다 스포일러를 가린 질문을 올려 주는 같이 보기, 그리고 하루 한 번의 성찰 질문을 드려요.',
	aboutCommands: '명령어',
	commandList: [
		'`/her-quote` — 출처가 있는 구절 한 개, **다른 구절**·**이야기하기**·**카드** 버튼 (`card:true`: 나누기 좋은 그림 카드)',
		'`/her-question` — 보기 전, 보는 중, 본 후에 나눌 질문',
		'`/her-recommend` — 이런 분께 〈그녀〉를 권하는 이유',
		'`/her-watchparty start` — 함께 보며 주요 장면마다 질문 받기',
		'`/her-reflection` — 서버가 고른 요일과 시간에 올라오는 성찰 질문 (관리자가 예약)',
		'`/her-settings language` — 공개 게시물 언어: 한국어, 영어, 둘 다 (관리자)',
		'`/her-settings check` — 채널에서 봇이 할 수 있는 일과 없는 일, 고치는 방법 (관리자)',
	].join('\n'),
	aboutSources: '출처와 감사',
	sourceCredit: (title, author, published) => `「${title}」 — ${author}, ${published}`,
	aboutDataset: (counts) =>
		`모든 구절과 질문은 이 두 편의 한국어 리뷰에서 나왔어요 (${counts}). 영화 대사는 리뷰가 한국어로 인용한 그대로 싣고, 영어는 저희가 옮겼어요.`,
	aboutGeneralKnowledge:
		'모든 정보가 리뷰에서 온 것은 아니에요. 영화 카드 아래에 리뷰가 아닌 일반적인 영화 정보를 적어 두었고, 같이 보기의 장면별 시각도 일반적인 영화 정보예요.',
	fontCredit:
		'구절 카드의 글꼴은 SUIT © 2022 SUNN (sun.fo/suit)이며, SIL 오픈 폰트 라이선스 1.1(openfontlicense.org)에 따라 써요.',
	counts: (quotes, questions, reflections) => `구절 ${quotes}개, 질문 ${questions}개, 성찰 질문 ${reflections}개`,
};

export const contentText: Messages<typeof en> = { en, ko };
