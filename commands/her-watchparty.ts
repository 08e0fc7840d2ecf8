import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	InteractionContextType,
	MessageFlags,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command } from '../src/command.js';
import { UserError } from '../src/errors.js';
import { common } from '../src/i18n/common.js';
import { langOf, localize } from '../src/i18n/index.js';
import { isControlAction, partyHere, pressButton, runControl, statusText } from '../src/watchparty/control.js';
import { COMMAND_NAME, MAX_TITLE_LENGTH } from '../src/watchparty/render.js';
import { startParty } from '../src/watchparty/setup.js';

const MAX_IN_MINUTES = 1440;
const MAX_FILM_MINUTE = 126;

const minuteOption = (name: string, description: string, ko: string, required = false) => ({
	type: ApplicationCommandOptionType.Integer as const,
	name,
	description,
	description_localizations: { ko },
	min_value: 0,
	max_value: MAX_FILM_MINUTE,
	required,
});

const subcommand = (name: string, description: string, ko: string) => ({
	type: ApplicationCommandOptionType.Subcommand as const,
	name,
	description,
	description_localizations: { ko },
});

const data = {
	name: COMMAND_NAME,
	description: 'Watch Her together: a countdown to press play, then questions at the story’s beats',
	description_localizations: { ko: '〈그녀〉를 함께 봐요: 재생 카운트다운, 그리고 이야기의 지점마다 질문' },
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			...subcommand(
				'start',
				'Start a watch party in a new thread here',
				'이 채널에 새 스레드를 열어 같이 보기를 시작해요',
			),
			options: [
				{
					type: ApplicationCommandOptionType.Integer,
					name: 'in',
					description: 'Minutes until everyone presses play (0 or empty: now)',
					description_localizations: { ko: '모두 재생을 누를 때까지 남은 분 (0 또는 비우면 지금)' },
					min_value: 0,
					max_value: MAX_IN_MINUTES,
				},
				minuteOption(
					'at',
					'The minute of the film you are already at (to join a viewing in progress)',
					'이미 보고 있는 영화의 분 (보는 중에 시작할 때)',
				),
				{
					type: ApplicationCommandOptionType.String,
					name: 'title',
					description: 'A name for the party (shown in the thread name)',
					description_localizations: { ko: '같이 보기 이름 (스레드 이름에 보여요)' },
					max_length: MAX_TITLE_LENGTH,
				},
			],
		},
		subcommand(
			'next',
			'Post the next beat now and re-time the rest (host)',
			'다음 지점을 지금 올리고 나머지를 다시 맞춰요 (호스트)',
		),
		subcommand('pause', 'Pause the party: later beats wait (host)', '일시정지: 이후 지점이 기다려요 (호스트)'),
		subcommand('resume', 'Resume a paused party (host)', '일시정지한 같이 보기를 이어 가요 (호스트)'),
		{
			...subcommand('seek', 'Move the party to a minute of the film (host)', '영화의 특정 분으로 이동해요 (호스트)'),
			options: [minuteOption('minute', 'The minute of the film you are at now', '지금 보고 있는 영화의 분', true)],
		},
		subcommand('end', 'End the party now, with the wrap-up (host)', '같이 보기를 지금 끝내고 마무리를 올려요 (호스트)'),
		subcommand('status', 'Where the party in this channel is', '이 채널의 같이 보기가 어디쯤인지 보여 줘요'),
	],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,

	async execute(interaction, ctx) {
		const sub = interaction.options.getSubcommand();
		if (sub === 'start') return startParty(interaction, ctx);
		if (sub === 'status') {
			const party = await partyHere(interaction, ctx);
			await interaction.reply({
				content: await statusText(ctx, party, langOf(interaction.locale)),
				flags: MessageFlags.Ephemeral,
				allowedMentions: { parse: [] },
			});
			return;
		}
		if (isControlAction(sub)) return runControl(interaction, ctx, sub);
		throw new UserError(localize(common, (m) => m.unknownCommand));
	},

	button: (interaction, id, ctx) => pressButton(interaction, ctx, id.action, id.args[0]),
} satisfies Command;
