/** The fake Discord used by the end-to-end suite and the benchmark. See server.ts for the API. */
export { FakeDiscord, INTERACTION_TOKEN_MS, startFakeDiscord, WAIT_MS } from './server.js';
export type {
	CoreAnswer,
	CoreRequest,
	Delay,
	Fault,
	FakeDiscordOptions,
	RecordedRequest,
	RequestMatch,
	Violation,
	WaitOptions,
} from './server.js';
export type { InteractInit, InteractionState, OptionValue } from './interactions.js';
export type { GatewayOpRecord } from './gateway.js';
export { checkCommands, checkMessage, formBody, VALID_LOCALES } from './limits.js';
export type { FieldError } from './limits.js';
export { ALL_PERMISSIONS, DEFAULT_BOT, DEFAULT_EVERYONE, snowflakeTime, toBits } from './world.js';
export type { ChannelInit, Guild, GuildInit, Json, PermissionName, PermissionsInput, RoleInit, User } from './world.js';
