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
}

const en = {
	embedTitle: 'Today’s reflection',
	source: 'Source',
	badTime: (input: string) =>
		`“${input}” is not a time I can use. Write it as 24-hour **HH:MM**, for example \`09:00\`, \`9:00\` or \`21:30\`.`,
	badTimeZone: (input: string) =>
		`“${input}” is not a time zone I know. Pick one from the list, or type an IANA name such as \`Asia/Seoul\` or \`America/New_York\`.`,
	badChannel: (channel: string) => `I can’t post daily prompts in ${channel}. Choose a text or announcement channel.`,
	everyoneRole: 'The daily prompt can’t mention @everyone. Choose another role, or leave `role` empty.',
	roleNotMentionable: (role: string) =>
		`I can’t mention ${role}. Turn on “Allow anyone to @mention this role” for it (Server Settings → Roles), give me **Mention @everyone, @here and All Roles**, or leave \`role\` empty.`,
	scheduled: (info: ScheduledInfo) =>
		[
			`Daily reflection set: ${info.channel}, every day at **${info.time}** (${info.timeZone}).`,
			info.role ? `Each prompt mentions ${info.role}.` : null,
			info.thread ? 'Each prompt opens a public thread.' : null,
			`Next prompt: ${info.next}.`,
		]
			.filter((line) => line !== null)
			.join('\n'),
	stopped: 'Daily reflection stopped. Past prompts stay where they are.',
	nothingToStop: 'This server has no daily reflection to stop.',
	notScheduled:
		'This server has no daily reflection yet. Someone with **Manage Server** can start one with `/her-reflection schedule`.',
	statusTitle: 'Daily reflection',
	statusChannel: 'Channel',
	statusTime: 'Time',
	statusRole: 'Mentions',
	statusThread: 'Thread per prompt',
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
	badChannel: (channel) => `${channel}에는 매일 성찰 질문을 올릴 수 없어요. 텍스트 채널이나 공지 채널을 골라 주세요.`,
	everyoneRole: '매일 성찰 질문에서 @everyone은 멘션할 수 없어요. 다른 역할을 고르거나 `role`을 비워 두세요.',
	roleNotMentionable: (role) =>
		`${role} 역할을 멘션할 수 없어요. 서버 설정 → 역할에서 “누구나 이 역할을 @멘션하도록 허용”을 켜거나, 봇에 **@everyone, @here, 모든 역할 멘션하기** 권한을 주거나, \`role\`을 비워 두세요.`,
	scheduled: (info) =>
		[
			`매일 성찰 질문을 설정했어요: ${info.channel}, 매일 **${info.time}** (${info.timeZone}).`,
			info.role ? `질문마다 ${info.role} 역할을 멘션해요.` : null,
			info.thread ? '질문마다 공개 스레드를 열어요.' : null,
			`다음 질문: ${info.next}`,
		]
			.filter((line) => line !== null)
			.join('\n'),
	stopped: '매일 성찰 질문을 멈췄어요. 지난 질문은 그대로 남아 있어요.',
	nothingToStop: '이 서버에는 멈출 매일 성찰 질문이 없어요.',
	notScheduled:
		'이 서버에는 아직 매일 성찰 질문이 없어요. **서버 관리하기** 권한이 있는 분이 `/her-reflection schedule`로 시작할 수 있어요.',
	statusTitle: '매일 성찰 질문',
	statusChannel: '채널',
	statusTime: '시각',
	statusRole: '멘션',
	statusThread: '질문마다 스레드',
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
	pausedNotice: (server, channel, reason) => `**${server}**의 매일 성찰 질문(${channel})이 일시정지됐어요: ${reason}`,
	gaveUpNotice: (server, channel, date, attempts, next) =>
		`**${server}**의 ${date} 매일 성찰 질문을 ${channel}에 올리지 못했어요: Discord가 ${attempts}번 모두 실패했어요. 다음 질문(${next})은 평소대로 올려 볼게요. 그 서버에서 \`/her-reflection status\`로 확인할 수 있어요.`,
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
