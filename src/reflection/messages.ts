import { common } from '../i18n/common.js';
import type { Lang, Messages } from '../i18n/index.js';
import type { ReflectionSchedule } from './store.js';

export interface ScheduledInfo {
	readonly channel: string;
	readonly time: string;
	readonly timeZone: string;
	readonly next: string;
	readonly role: string | null;
	readonly thread: boolean;
	/** e.g. "every day", "weekdays", "Sat, Sun", in the reader's language */
	readonly days: string;
	readonly pin: boolean;
	readonly forum: boolean;
	readonly tag: string | null;
	/** Paused by an admin: it stays paused after the edit. */
	readonly held: boolean;
}

const en = {
	embedTitle: 'Today’s reflection',
	source: 'Source',
	badTime: (input: string) =>
		`“${input}” is not a time I can use. Write it as 24-hour **HH:MM**, for example \`09:00\`, \`9:00\` or \`21:30\`.`,
	badTimeZone: (input: string) =>
		`“${input}” is not a time zone I know. Pick one from the list, or type an IANA name such as \`Asia/Seoul\` or \`America/New_York\`.`,
	badChannel: (channel: string) =>
		`I can’t post daily prompts in ${channel}. Choose a text, announcement or forum channel.`,
	badDays: (input: string) =>
		`“${input}” is not a day I know. Write days like \`sat,sun\` or \`mon-fri\`, or \`weekdays\`, \`weekends\`, \`daily\`.`,
	badTag: (input: string, channel: string, tags: string) =>
		tags === ''
			? `${channel} has no tags, so “${input}” can’t be applied. Leave \`tag\` empty, or add the tag to the forum first.`
			: `${channel} has no tag “${input}”. Its tags: ${tags}.`,
	tagNotForum: 'A `tag` is only for forum channels. Leave it empty, or choose a forum channel.',
	pinInForum: 'Forum posts can’t be pinned as messages. Leave `pin` off for a forum channel.',
	tooMany: (max: number) =>
		`This server already has ${max} daily reflections, the most one server may have. Stop one with \`/her-reflection stop\`, or schedule one of their channels to change it.`,
	whichSchedule: (channels: string) => `This server has daily reflections in ${channels}. Name one with \`channel\`.`,
	noneIn: (channel: string) => `There is no daily reflection in ${channel}.`,
	skipped: (channel: string, date: string, at: string, next: string) =>
		`The prompt of **${date}** in ${channel} (${at}) is skipped. Next prompt: ${next}.`,
	held: (channel: string) =>
		`The daily reflection in ${channel} is paused: nothing is posted until \`/her-reflection resume\`, and the days in between are not made up.`,
	alreadyHeld: (channel: string) =>
		`The daily reflection in ${channel} is already paused. \`/her-reflection resume\` starts it again.`,
	resumed: (channel: string, next: string) =>
		`The daily reflection in ${channel} is running again. Next prompt: ${next}. The days it was paused are not posted.`,
	notHeld: (channel: string, next: string) => `The daily reflection in ${channel} is not paused. Next prompt: ${next}.`,
	everyoneRole: 'The daily prompt can’t mention @everyone. Choose another role, or leave `role` empty.',
	roleNotMentionable: (role: string) =>
		`I can’t mention ${role}. Turn on “Allow anyone to @mention this role” for it (Server Settings → Roles), give me **Mention @everyone, @here and All Roles**, or leave \`role\` empty.`,
	scheduled: (info: ScheduledInfo) =>
		[
			`Daily reflection set: ${info.channel}, ${info.days} at **${info.time}** (${info.timeZone}).`,
			info.role ? `Each prompt mentions ${info.role}.` : null,
			info.forum
				? `Each prompt is a new forum post${info.tag ? ` tagged **${info.tag}**` : ''}.`
				: info.thread
					? 'Each prompt opens a public thread.'
					: null,
			info.pin ? 'Each prompt is pinned, and the one before unpinned.' : null,
			info.held ? `It is paused: \`/her-reflection resume\` starts it again.` : `Next prompt: ${info.next}.`,
		]
			.filter((line) => line !== null)
			.join('\n'),
	stopped: (channel: string) => `Daily reflection in ${channel} stopped. Past prompts stay where they are.`,
	nothingToStop: 'This server has no daily reflection to stop.',
	notScheduled:
		'This server has no daily reflection yet. Someone with **Manage Server** can start one with `/her-reflection schedule`.',
	statusTitle: 'Daily reflection',
	statusChannel: 'Channel',
	statusTime: 'Time',
	statusRole: 'Mentions',
	statusThread: 'Thread per prompt',
	statusForum: 'Forum post per prompt',
	statusDays: 'Days',
	statusPin: 'Pin each prompt',
	pinMissing: 'but I lack **Pin Messages** there, so prompts go out unpinned',
	statusTag: 'Tag',
	statusHeld: (by: string) => `by ${by}, until \`/her-reflection resume\``,
	statusCount: (count: number, max: number) => `${count} daily reflections (a server may have ${max}).`,
	replies: (count: number) => (count === 1 ? '1 reply' : `${count} replies`),
	statusNext: 'Next prompt',
	statusLast: 'Last prompt',
	statusPaused: 'Paused',
	yes: 'yes',
	no: 'no',
	noneYet: 'none yet',
	jumpToPost: (date: string) => `${date} (jump to it)`,
	resumeHint: (next: string) =>
		`Once it is fixed, the next prompt (${next}) goes out by itself; \`/her-reflection schedule\` resumes it at once.`,
	paused: {
		'channel-missing': 'the channel was deleted or I can no longer see it.',
		'missing-permissions': (permissions: string) => `I lost **${permissions}** in the channel.`,
		forbidden: 'Discord refused my post in the channel (missing access or permission).',
	},
	/** A DM to the admin who set the schedule, sent once until it posts again. */
	pausedNotice: (server: string, channel: string, reason: string) =>
		`The daily reflection of **${server}** in ${channel} is paused: ${reason}`,
	gaveUpNotice: (server: string, channel: string, date: string, attempts: number, next: string) =>
		`The daily reflection of **${server}** for ${date} did not go out in ${channel}: Discord failed all ${attempts} tries. The next prompt (${next}) is tried as usual; \`/her-reflection status\` there shows how it goes.`,
	noPrompts: 'There are no reflection prompts to post yet.',
};

const ko: typeof en = {
	embedTitle: '오늘의 성찰 질문',
	source: '출처',
	badTime: (input) =>
		`“${input}”은(는) 사용할 수 없는 시각이에요. 24시간 형식 **HH:MM**으로 적어 주세요. 예: \`09:00\`, \`9:00\`, \`21:30\``,
	badTimeZone: (input) =>
		`“${input}”은(는) 알 수 없는 시간대예요. 목록에서 고르거나 \`Asia/Seoul\`, \`America/New_York\` 같은 IANA 이름을 적어 주세요.`,
	badChannel: (channel) =>
		`${channel}에는 성찰 질문을 올릴 수 없어요. 텍스트 채널, 공지 채널 또는 포럼 채널을 골라 주세요.`,
	badDays: (input) =>
		`“${input}”은(는) 알 수 없는 요일이에요. \`토,일\`, \`월-금\`처럼 적거나 \`평일\`, \`주말\`, \`매일\`을 적어 주세요.`,
	badTag: (input, channel, tags) =>
		tags === ''
			? `${channel}에는 태그가 없어서 “${input}”을(를) 붙일 수 없어요. \`tag\`를 비워 두거나 포럼에 태그를 먼저 만들어 주세요.`
			: `${channel}에는 “${input}” 태그가 없어요. 있는 태그: ${tags}`,
	tagNotForum: '`tag`는 포럼 채널에만 쓸 수 있어요. 비워 두거나 포럼 채널을 골라 주세요.',
	pinInForum: '포럼 게시물은 메시지처럼 고정할 수 없어요. 포럼 채널에서는 `pin`을 꺼 주세요.',
	tooMany: (max) =>
		`이 서버에는 이미 성찰 질문이 ${max}개 있어요. 한 서버에 둘 수 있는 최대 개수예요. \`/her-reflection stop\`으로 하나를 멈추거나, 그 채널 중 하나로 다시 설정해 바꿔 주세요.`,
	whichSchedule: (channels) => `이 서버에는 ${channels}에 성찰 질문이 있어요. \`channel\`로 하나를 골라 주세요.`,
	noneIn: (channel) => `${channel}에는 성찰 질문이 없어요.`,
	skipped: (channel, date, at, next) => `${channel}의 **${date}** 질문(${at})을 건너뛰어요. 다음 질문: ${next}`,
	held: (channel) =>
		`${channel}의 성찰 질문을 일시정지했어요. \`/her-reflection resume\` 전까지 아무것도 올리지 않고, 그사이의 날들은 나중에 올리지 않아요.`,
	alreadyHeld: (channel) =>
		`${channel}의 성찰 질문은 이미 일시정지돼 있어요. \`/her-reflection resume\`으로 다시 시작할 수 있어요.`,
	resumed: (channel, next) =>
		`${channel}의 성찰 질문을 다시 시작했어요. 다음 질문: ${next}. 일시정지된 동안의 날들은 올리지 않아요.`,
	notHeld: (channel, next) => `${channel}의 성찰 질문은 일시정지돼 있지 않아요. 다음 질문: ${next}`,
	everyoneRole: '성찰 질문에서 @everyone은 멘션할 수 없어요. 다른 역할을 고르거나 `role`을 비워 두세요.',
	roleNotMentionable: (role) =>
		`${role} 역할을 멘션할 수 없어요. 서버 설정 → 역할에서 “누구나 이 역할을 @멘션하도록 허용”을 켜거나, 봇에 **@everyone, @here, 모든 역할 멘션하기** 권한을 주거나, \`role\`을 비워 두세요.`,
	scheduled: (info) =>
		[
			`성찰 질문을 설정했어요: ${info.channel}, ${info.days} **${info.time}** (${info.timeZone}).`,
			info.role ? `질문마다 ${info.role} 역할을 멘션해요.` : null,
			info.forum
				? `질문마다 새 포럼 게시물을 올려요${info.tag ? ` (태그: **${info.tag}**)` : ''}.`
				: info.thread
					? '질문마다 공개 스레드를 열어요.'
					: null,
			info.pin ? '질문마다 고정하고, 이전 질문은 고정을 풀어요.' : null,
			info.held ? '일시정지 중이에요: `/her-reflection resume`으로 다시 시작할 수 있어요.' : `다음 질문: ${info.next}`,
		]
			.filter((line) => line !== null)
			.join('\n'),
	stopped: (channel) => `${channel}의 성찰 질문을 멈췄어요. 지난 질문은 그대로 남아 있어요.`,
	nothingToStop: '이 서버에는 멈출 성찰 질문이 없어요.',
	notScheduled:
		'이 서버에는 아직 성찰 질문이 없어요. **서버 관리하기** 권한이 있는 분이 `/her-reflection schedule`로 시작할 수 있어요.',
	statusTitle: '성찰 질문',
	statusChannel: '채널',
	statusTime: '시각',
	statusRole: '멘션',
	statusThread: '질문마다 스레드',
	statusForum: '질문마다 포럼 게시물',
	statusDays: '요일',
	statusPin: '질문마다 고정',
	pinMissing: '하지만 그 채널에서 **메시지 고정하기** 권한이 없어 고정 없이 올라가요',
	statusTag: '태그',
	statusHeld: (by) => `${by} 님이 멈춤, \`/her-reflection resume\` 전까지`,
	statusCount: (count, max) => `성찰 질문 ${count}개 (한 서버에 ${max}개까지).`,
	replies: (count) => `답글 ${count}개`,
	statusNext: '다음 질문',
	statusLast: '지난 질문',
	statusPaused: '일시정지됨',
	yes: '예',
	no: '아니요',
	noneYet: '아직 없음',
	jumpToPost: (date) => `${date} (바로 가기)`,
	resumeHint: (next) =>
		`문제가 해결되면 다음 질문(${next})은 저절로 올라가요. \`/her-reflection schedule\`을 다시 실행하면 바로 재개돼요.`,
	paused: {
		'channel-missing': '채널이 삭제되었거나 봇이 더 이상 볼 수 없어요.',
		'missing-permissions': (permissions) => `채널에서 **${permissions}** 권한이 없어졌어요.`,
		forbidden: 'Discord가 채널에 올리는 것을 거부했어요 (접근 또는 권한 없음).',
	},
	pausedNotice: (server, channel, reason) => `**${server}**의 성찰 질문(${channel})이 일시정지됐어요: ${reason}`,
	gaveUpNotice: (server, channel, date, attempts, next) =>
		`**${server}**의 ${date} 성찰 질문을 ${channel}에 올리지 못했어요: Discord가 ${attempts}번 모두 실패했어요. 다음 질문(${next})은 평소대로 올려 볼게요. 그 서버에서 \`/her-reflection status\`로 확인할 수 있어요.`,
	noPrompts: '아직 올릴 성찰 질문이 없어요.',
};

export const reflectionText: Messages<typeof en> = { en, ko };

/** Why a schedule is paused, in `lang`: for `status` and for the admin's notice. */
export function pausedText(lang: Lang, paused: NonNullable<ReflectionSchedule['paused']>): string {
	const reasons = reflectionText[lang].paused;
	if (paused.reason === 'missing-permissions') {
		const names = (paused.detail ?? '')
			.split(',')
			.filter(Boolean)
			.map((permission) => common[lang].permission[permission] ?? permission);
		return reasons['missing-permissions'](names.join(common[lang].listSeparator));
	}
	return reasons[paused.reason];
}

/** A Discord timestamp the reader sees in their own time zone, with "in 3 hours". */
export function discordTime(date: Date): string {
	const seconds = Math.floor(date.getTime() / 1000);
	return `<t:${seconds}:F> (<t:${seconds}:R>)`;
}
