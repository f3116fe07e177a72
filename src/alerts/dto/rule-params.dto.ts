import { applyDecorators } from '@nestjs/common';
import { IsIn, IsInt, IsNumber, IsOptional, IsPositive, Matches, Max, Min } from 'class-validator';
import { ClassConstructor } from 'class-transformer';
import { AGENT_ID_PATTERN, EVENT_TYPE_PATTERN } from '../../contracts/ids';
import type { RuleKind } from '../../contracts/alerts';

const AGENT_ID_MESSAGE = 'agent_id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters';
/** The events table keeps MC_EVENTS_RETENTION days (30 by default); a longer window would only ever see part of it. */
const MAX_WINDOW_MINUTES = 30 * 24 * 60;

/** A window of up to MAX_WINDOW_MINUTES minutes. */
function IsWindowMinutes(): PropertyDecorator {
  const message = `window_minutes must be a positive number of minutes, at most ${MAX_WINDOW_MINUTES}`;
  return applyDecorators(
    IsNumber({}, { message: 'window_minutes must be a number' }),
    IsPositive({ message }),
    Max(MAX_WINDOW_MINUTES, { message }),
  );
}

/** agent_error, session_stuck: one agent, or every agent when absent. */
export class AgentParams {
  /** Only this agent; every agent when absent. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: AGENT_ID_MESSAGE })
  agent_id?: string;
}

/** agent_offline: an agent offline (since it was last active) for longer than `minutes`. */
export class AgentOfflineParams extends AgentParams {
  /** @example 10 */
  @IsNumber({}, { message: 'minutes must be a number' })
  @IsPositive({ message: 'minutes must be a positive number of minutes' })
  minutes!: number;
}

/** cost_budget: USD spent in the current UTC day, week (from Monday) or month above `usd`, by one agent or the whole fleet. */
export class CostBudgetParams extends AgentParams {
  /** @example 25 */
  @IsNumber({}, { message: 'usd must be a number' })
  @Min(0, { message: 'usd must be at least 0' })
  usd!: number;

  @IsIn(['day', 'week', 'month'], { message: 'window must be one of: day, week, month' })
  window!: 'day' | 'week' | 'month';
}

/** error_rate: failed / (completed + failed) tasks over the last `window_minutes` above `above`, once at least `min_tasks` ended. */
export class ErrorRateParams extends AgentParams {
  /**
   * A share from 0 to 1.
   * @example 0.25
   */
  @IsNumber({}, { message: 'above must be a number' })
  @Min(0, { message: 'above must be a share from 0 to 1' })
  @Max(1, { message: 'above must be a share from 0 to 1' })
  above!: number;

  /** @example 60 */
  @IsWindowMinutes()
  window_minutes!: number;

  /** @example 5 */
  @IsInt({ message: 'min_tasks must be a whole number, at least 1' })
  @Min(1, { message: 'min_tasks must be a whole number, at least 1' })
  min_tasks!: number;
}

/** event_count: at least `at_least` events of `event_type` in the last `window_minutes`, about one agent or any. */
export class EventCountParams extends AgentParams {
  /** @example "task_failed" */
  @Matches(EVENT_TYPE_PATTERN, { message: 'event_type must be an event type such as task_failed' })
  event_type!: string;

  /** @example 3 */
  @IsInt({ message: 'at_least must be a whole number, at least 1' })
  @Min(1, { message: 'at_least must be a whole number, at least 1' })
  at_least!: number;

  /** @example 15 */
  @IsWindowMinutes()
  window_minutes!: number;
}

/** no_backup: no verified full backup for longer than `hours`. */
export class NoBackupParams {
  /** @example 24 */
  @IsNumber({}, { message: 'hours must be a number' })
  @IsPositive({ message: 'hours must be a positive number of hours' })
  hours!: number;
}

/** backup_failed, health: no parameters. */
export class NoParams {}

/** The parameters each kind takes. */
export const PARAMS_OF: Record<RuleKind, ClassConstructor<object>> = {
  agent_offline: AgentOfflineParams,
  agent_error: AgentParams,
  session_stuck: AgentParams,
  cost_budget: CostBudgetParams,
  error_rate: ErrorRateParams,
  event_count: EventCountParams,
  backup_failed: NoParams,
  no_backup: NoBackupParams,
  health: NoParams,
};
