/** Token counts and cost. */
export class UsageFiguresDto {
  input_tokens!: number;
  output_tokens!: number;
  cache_read_tokens!: number;
  cache_write_tokens!: number;
  total_tokens!: number;
  /** USD, as OpenClaw priced it. */
  cost_usd!: number;
}

/** One OpenClaw session; token and cost figures are the totals of every model answer in its transcript. */
export class SessionDto extends UsageFiguresDto {
  /** OpenClaw's session key, e.g. `agent:main:main`. */
  key!: string;
  /** The current session id (a key gets a new one when the session is reset). */
  session_id!: string;
  agent_id!: string;
  /** OpenClaw's stored status when it keeps one (done, failed, killed, timeout, interrupted), else running, failed (last run) or idle. */
  status!: string;
  model!: string | null;
  provider!: string | null;
  run_count!: number;
  failed_runs!: number;
  /** ISO 8601. */
  started_at!: string | null;
  updated_at!: string | null;
  ended_at!: string | null;
  last_activity_at!: string | null;
  /** The parent session's key, for subagents. */
  parent_key!: string | null;
  spawned_by!: string | null;
  /** A run in progress with no activity for MC_STUCK_MINUTES. */
  stuck!: boolean;
}

export class SessionListDto {
  sessions!: SessionDto[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  next_cursor!: string | null;
}

export class RunDto extends UsageFiguresDto {
  run_id!: string;
  /** ok, failed, or running. */
  status!: string;
  stop_reason!: string | null;
  started_at!: string | null;
  ended_at!: string | null;
  tool_calls!: number;
  error!: string | null;
}

export class ToolCountDto {
  tool!: string;
  count!: number;
  failed!: number;
}

export class ToolCallsDto {
  total!: number;
  failed!: number;
  /** The most used tools, most used first (at most 10). */
  top!: ToolCountDto[];
}

export class SessionDetailDto extends SessionDto {
  /** The session's runs, oldest first (the last 200). */
  runs!: RunDto[];
  tool_calls!: ToolCallsDto;
  /** Subagent sessions spawned from this one. */
  children!: SessionDto[];
}

export class TranscriptToolCallDto {
  id!: string | null;
  name!: string;
}

export class TranscriptMessageDto {
  /** Position in the transcript. */
  seq!: number;
  role!: string;
  timestamp!: string | null;
  /** Plain text, at most 4 KiB. */
  text!: string;
  truncated!: boolean;
  model!: string | null;
  stop_reason!: string | null;
  error!: string | null;
  tool_calls!: TranscriptToolCallDto[];
  tool_name!: string | null;
  is_error!: boolean;
  usage!: UsageFiguresDto | null;
}

export class TranscriptDto {
  key!: string;
  session_id!: string;
  /** Oldest first. */
  messages!: TranscriptMessageDto[];
  /** Pass back as `before` for the page before this one; null at the start. */
  next_before!: number | null;
}

export class UsageRowDto extends UsageFiguresDto {
  /** Agent id, `provider/model`, or a UTC day `YYYY-MM-DD`. */
  key!: string;
  sessions!: number;
  runs!: number;
}

export class UsageTotalDto extends UsageFiguresDto {
  sessions!: number;
  runs!: number;
}

export class UsageDto {
  group_by!: string;
  rows!: UsageRowDto[];
  total!: UsageTotalDto;
}
