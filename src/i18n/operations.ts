import type { Messages } from './index.js';

/** What running the bot tells members and admins: the note while it restarts, and `/her-settings check`. */
const en = {
	restarting: 'Her Film Club is restarting. Please try again in a few seconds.',
	checkTitle: (channel: string) => `What I can do in ${channel}`,
	usedFor: {
		reflection: 'The daily reflection posts here.',
		party: 'A watch party is running here.',
		asked: 'You asked about this channel.',
	},
	allGood: 'Everything I need works here.',
	toFix: (count: number) => (count === 1 ? 'One thing to fix:' : `${count} things to fix:`),
	can: (permission: string) => `✅ ${permission}`,
	cannot: (permission: string, fix: string) => `❌ ${permission} — ${fix}`,
	fixInChannel: (permission: string, role: string) =>
		`allow **${permission}** for the **${role}** role in this channel (Edit Channel → Permissions)`,
	fixInServer: (permission: string, role: string) =>
		`allow **${permission}** for the **${role}** role (Server Settings → Roles); needed only for watch-party events`,
	threadsOpen: '✅ Threads can open here',
	threadsWrongType: '❌ Threads can’t open in this kind of channel — use a text or announcement channel',
	threadsBlocked: '❌ Threads can’t open here until the permissions above are allowed',
	forumPostsOpen: '✅ Forum posts can open here (each daily prompt is one)',
	forumPostsBlocked: '❌ Forum posts can’t open here until Send Messages is allowed',
	roleMentionable: (role: string) => `✅ I can mention ${role}`,
	roleNotMentionable: (role: string, permission: string) =>
		`❌ I can’t mention ${role} — turn on “Allow anyone to @mention this role” for it (Server Settings → Roles), or allow my role **${permission}** here`,
	roleGone:
		'❌ The role the daily reflection mentions no longer exists — choose another with `/her-reflection schedule`',
	channelGone: (channel: string) =>
		`The daily reflection’s channel ${channel} no longer exists — choose another with \`/her-reflection schedule\`.`,
	nothingConfigured:
		'I don’t post on my own anywhere yet (no daily reflection, no watch party). Name a channel to check it: `/her-settings check channel:`',
	more: (count: number) => `…and ${count} more. Name a channel to check it: \`/her-settings check channel:\``,
};

const ko: typeof en = {
	restarting: 'Her Film Club이 다시 시작하는 중이에요. 몇 초 뒤에 다시 시도해 주세요.',
	checkTitle: (channel) => `${channel}에서 봇이 할 수 있는 일`,
	usedFor: {
		reflection: '성찰 질문이 이 채널에 올라가요.',
		party: '이 채널에서 같이 보기가 진행 중이에요.',
		asked: '요청하신 채널이에요.',
	},
	allGood: '필요한 권한이 모두 있어요.',
	toFix: (count) => `고칠 것 ${count}개:`,
	can: (permission) => `✅ ${permission}`,
	cannot: (permission, fix) => `❌ ${permission} — ${fix}`,
	fixInChannel: (permission, role) =>
		`이 채널에서 **${role}** 역할에 **${permission}** 권한을 허용해 주세요 (채널 편집 → 권한)`,
	fixInServer: (permission, role) =>
		`**${role}** 역할에 **${permission}** 권한을 허용해 주세요 (서버 설정 → 역할). 같이 보기 이벤트에만 필요해요`,
	threadsOpen: '✅ 여기서 스레드를 열 수 있어요',
	threadsWrongType: '❌ 이 종류의 채널에서는 스레드를 열 수 없어요 — 텍스트 채널이나 공지 채널을 써 주세요',
	threadsBlocked: '❌ 위의 권한이 허용되기 전에는 여기서 스레드를 열 수 없어요',
	forumPostsOpen: '✅ 여기서 포럼 게시물을 올릴 수 있어요 (성찰 질문이 하나씩 올라가요)',
	forumPostsBlocked: '❌ 메시지 보내기 권한이 허용되기 전에는 여기서 포럼 게시물을 올릴 수 없어요',
	roleMentionable: (role) => `✅ ${role} 역할을 멘션할 수 있어요`,
	roleNotMentionable: (role, permission) =>
		`❌ ${role} 역할을 멘션할 수 없어요 — 서버 설정 → 역할에서 “누구나 이 역할을 @멘션할 수 있도록 허용”을 켜거나, 이 채널에서 봇 역할에 **${permission}** 권한을 허용해 주세요`,
	roleGone: '❌ 성찰 질문이 멘션하던 역할이 없어졌어요 — `/her-reflection schedule`로 다른 역할을 골라 주세요',
	channelGone: (channel) =>
		`성찰 질문 채널 ${channel}이 없어졌어요 — \`/her-reflection schedule\`로 다른 채널을 골라 주세요.`,
	nothingConfigured:
		'아직 봇이 스스로 글을 올리는 채널이 없어요 (성찰 질문도, 같이 보기도 없음). 채널을 지정하면 확인해 드려요: `/her-settings check channel:`',
	more: (count) => `…그리고 ${count}개 더 있어요. 채널을 지정하면 확인해 드려요: \`/her-settings check channel:\``,
};

export const operationsText: Messages<typeof en> = { en, ko };
