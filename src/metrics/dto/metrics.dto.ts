import { ApiProperty } from '@nestjs/swagger';
import { ZoneArea } from '../../contracts/office-layout';

export class AgentPeriodMetricsDto {
  agent_id!: string;
  period_hours!: number;
  /** Completed in the period: the running total at its end minus the one before it began. */
  tasks_completed!: number;
  tasks_failed!: number;
  /** Seconds, the average of the period's rows; null when no task was timed. */
  avg_task_duration!: number | null;
  /** Seconds active in the period (sum of the rows' intervals). */
  total_work_time!: number;
  /** Seconds idle in the period. */
  idle_time!: number;
  messages_sent!: number;
  messages_received!: number;
  error_rate!: number;
  success_rate!: number;
  /** Input tokens of OpenClaw model answers. */
  tokens_in!: number;
  tokens_out!: number;
  /** USD. */
  cost_usd!: number;
  tool_calls!: number;
  /** OpenClaw runs that ended in the period. */
  runs!: number;
}

export class AgentHistoryPointDto {
  /** ISO 8601; the bucket's start when `step` is given. */
  timestamp!: string;
  tasks_completed!: number;
  tasks_failed!: number;
  tasks_in_progress!: number;
  avg_task_duration!: number | null;
  total_work_time!: number;
  idle_time!: number;
  messages_sent!: number;
  messages_received!: number;
  error_rate!: number;
  success_rate!: number;
  /** Input tokens of OpenClaw model answers. */
  tokens_in!: number;
  tokens_out!: number;
  /** USD. */
  cost_usd!: number;
  /** USD in all up to this point. */
  cost_usd_total!: number;
  tool_calls!: number;
  runs!: number;
}

export class AgentHistoryDto {
  agent_id!: string;
  /** Oldest first. */
  history!: AgentHistoryPointDto[];
}

export class SystemHistoryPointDto {
  timestamp!: string;
  total_agents!: number;
  active_agents!: number;
  idle_agents!: number;
  offline_agents!: number;
  total_tasks_completed!: number;
  total_tasks_pending!: number;
  total_tasks_failed!: number;
  system_health_score!: number;
  avg_response_time!: number | null;
  events_per_minute!: number;
  /** Input tokens of OpenClaw model answers. */
  tokens_in!: number;
  tokens_out!: number;
  /** USD. */
  cost_usd!: number;
  /** USD in all up to this point. */
  cost_usd_total!: number;
}

export class SystemHistoryDto {
  /** Oldest first. */
  history!: SystemHistoryPointDto[];
}

export class PositionDto {
  /** Percent of the map's width. */
  x!: number;
  /** Percent of the map's height. */
  y!: number;
  zone!: string | null;
}

export class OfficeStateDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/PositionDto' } })
  positions!: Record<string, PositionDto>;
  /** The floor plan positions are drawn on, in percent of the map. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  zones!: Record<string, ZoneArea>;
  [field: string]: unknown;
}

export class LiveMetricsDto {
  total_agents!: number;
  active_agents!: number;
  idle_agents!: number;
  /** Offline or in error. */
  offline_agents!: number;
  error_agents!: number;
  total_tasks_completed!: number;
  total_tasks_failed!: number;
  total_tasks_pending!: number;
  /** 0..1, from the last collection; 1 before the first. */
  system_health_score!: number;
  events_per_minute!: number;
  avg_response_time!: number | null;
  /** ISO 8601 time of the last collection, or null. */
  last_collection!: string | null;
}

export class SystemStatusDto {
  office_state!: OfficeStateDto;
  metrics!: LiveMetricsDto;
  timestamp!: string;
}

export class CollectionDto {
  system!: SystemHistoryPointDto;
  /** Agent rows written. */
  agents!: number;
  duration_ms!: number;
}
