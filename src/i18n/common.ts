import type { Messages } from './index.js';

const en = {
	expiredButton: 'This button has expired. Run the command again for a fresh one.',
	genericError: 'Something went wrong on our side. Please try again in a moment.',
	targetGone: 'The message or channel this was about is gone, so there is nothing left to do.',
	databaseAway: 'Her Film Club cannot reach its database right now, so nothing was done. Please try again in a minute.',
	slowDown: (unix: number) => `That's a lot of posts here in a short time. You can post again <t:${unix}:R>.`,
	guildOnly: 'Her Film Club works inside a server, not in direct messages.',
	unknownCommand: 'This command is not known to this bot any more. An admin may need to redeploy the commands.',
	needsManageGuild: 'You need the **Manage Server** permission to do that.',
	missingPermissions: (permissions: string, channel: string) =>
		`I can't do that in ${channel}: I'm missing **${permissions}**. Ask an admin to allow it for my role in that channel.`,
	memberNeeds: (permission: string, channel: string) =>
		`You need **${permission}** in ${channel} for that, and I only do for members what they may do themselves.`,
	permission: {
		ViewChannel: 'View Channel',
		SendMessages: 'Send Messages',
		SendMessagesInThreads: 'Send Messages in Threads',
		EmbedLinks: 'Embed Links',
		AttachFiles: 'Attach Files',
		CreatePublicThreads: 'Create Public Threads',
		ManageEvents: 'Manage Events',
		MentionEveryone: 'Mention @everyone, @here and All Roles',
		ReadMessageHistory: 'Read Message History',
		PinMessages: 'Pin Messages',
	} as Record<string, string>,
	listSeparator: ', ',
};

const ko: typeof en = {
	expiredButton: '만료된 버튼이에요. 명령어를 다시 실행해 새 버튼을 받아 주세요.',
	genericError: '봇 쪽에서 문제가 생겼어요. 잠시 후 다시 시도해 주세요.',
	targetGone: '대상이던 메시지나 채널이 사라져서 더 할 수 있는 게 없어요.',
	databaseAway:
		'Her Film Club이 지금 데이터베이스에 연결할 수 없어서 아무것도 하지 못했어요. 1분쯤 뒤에 다시 시도해 주세요.',
	slowDown: (unix) => `짧은 시간에 여기에 너무 많이 올렸어요. <t:${unix}:R> 다시 올릴 수 있어요.`,
	guildOnly: 'Her Film Club은 DM이 아닌 서버 안에서 사용할 수 있어요.',
	unknownCommand: '이 봇이 더 이상 알지 못하는 명령어예요. 관리자가 명령어를 다시 배포해야 할 수 있어요.',
	needsManageGuild: '이 작업에는 **서버 관리하기** 권한이 필요해요.',
	missingPermissions: (permissions, channel) =>
		`${channel}에서 그 작업을 할 수 없어요. **${permissions}** 권한이 없어요. 관리자에게 그 채널에서 봇 역할에 권한을 허용해 달라고 요청해 주세요.`,
	memberNeeds: (permission, channel) =>
		`${channel}에서 그렇게 하려면 **${permission}** 권한이 필요해요. 봇은 멤버가 직접 할 수 있는 일만 대신해요.`,
	permission: {
		ViewChannel: '채널 보기',
		SendMessages: '메시지 보내기',
		SendMessagesInThreads: '스레드에서 메시지 보내기',
		EmbedLinks: '링크 첨부',
		AttachFiles: '파일 첨부',
		CreatePublicThreads: '공개 스레드 만들기',
		ManageEvents: '이벤트 관리하기',
		MentionEveryone: '@everyone, @here, 모든 역할 멘션하기',
		ReadMessageHistory: '메시지 기록 보기',
		PinMessages: '메시지 고정하기',
	},
	listSeparator: ', ',
};

export const common: Messages<typeof en> = { en, ko };
