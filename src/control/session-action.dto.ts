import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsByteLength, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { RefusesUnknownFields } from '../common/validation';

/** What `sessions.abort`'s runId looks like: the gateway's run ids are UUIDs; a little room for others. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A message into a session: 16 KiB of UTF-8 at most. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
export const MESSAGE_MODES = ['send', 'steer', 'interrupt'] as const;
export type MessageMode = (typeof MESSAGE_MODES)[number];

@RefusesUnknownFields()
export class AbortSessionDto {
  /** Only this run (the session's active run otherwise); nothing is stopped if it is not the active one. */
  @IsOptional()
  @IsString({ message: 'run_id must be a run id' })
  @Matches(RUN_ID_PATTERN, { message: 'run_id must be a run id: up to 128 letters, digits, "_", ".", ":" or "-"' })
  run_id?: string;

  /** Also drop the messages queued for the session (steers and follow-ups not yet taken). */
  @IsOptional()
  @IsBoolean({ message: 'clear_queued must be true or false' })
  clear_queued?: boolean;
}

@RefusesUnknownFields()
export class SessionMessageDto {
  /** The message, up to 16 KiB of UTF-8. */
  @IsString({ message: 'text must be a non-empty text of at most 16 KiB' })
  @MaxLength(MAX_MESSAGE_BYTES, { message: 'text must be a non-empty text of at most 16 KiB' })
  @IsByteLength(1, MAX_MESSAGE_BYTES, { message: 'text must be a non-empty text of at most 16 KiB' })
  text!: string;

  /**
   * `send` (default): a new turn (`sessions.send`), queued behind an active run; `steer`: into the active run
   * at its next model call (`chat.send`, queueMode steer); `interrupt`: stops the active run and starts a
   * turn with this message (`chat.send`, queueMode interrupt).
   */
  @ApiPropertyOptional({ enum: MESSAGE_MODES, default: 'send' })
  @IsOptional()
  @IsIn(MESSAGE_MODES, { message: `mode must be one of: ${MESSAGE_MODES.join(', ')}` })
  mode: MessageMode = 'send';
}

export class AbortResultDto {
  /** The gateway that holds the session. */
  gateway!: string;
  session_key!: string;
  /** The run that was stopped. */
  run_id!: string;
  status!: 'aborted';
}

export class MessageResultDto {
  gateway!: string;
  session_key!: string;
  // The enum stated: the type checker's order of a union differs between the builds.
  @ApiProperty({ enum: MESSAGE_MODES })
  mode!: MessageMode;
  /** The run the message started or joined, as the gateway answered. */
  run_id!: string | null;
  /** The gateway's status, e.g. `started`. */
  status!: string;
  /** With `interrupt`: whether a run was active and was stopped. */
  interrupted_active_run!: boolean;
}

/** The session key of an action's URL; 16 KiB at most, as for reads. */
export class ActionKeyParams {
  /** The session key, e.g. `agent:main:main` (URL-encoded); a remote gateway's agents carry its agent_prefix. */
  @IsString({ message: 'key must be a session key such as agent:main:main' })
  @Length(1, 16 * 1024, { message: 'key must be a session key such as agent:main:main' })
  key!: string;
}
