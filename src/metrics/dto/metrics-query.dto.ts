import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const MAX_HISTORY_HOURS = 2160;
const HOURS_MESSAGE = `hours must be a whole number from 1 to ${MAX_HISTORY_HOURS}`;

export class PeriodQuery {
  /** How far back, 1 to 2160 hours (90 days); default 24. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: HOURS_MESSAGE })
  @Min(1, { message: HOURS_MESSAGE })
  @Max(MAX_HISTORY_HOURS, { message: HOURS_MESSAGE })
  hours: number = 24;
}

export class HistoryQuery extends PeriodQuery {
  /** Bucket size for downsampling, such as 30s, 5m, 1h or 1d: each point is the average of its bucket. Default: every row up to 168 hours, 1h beyond. */
  @IsOptional()
  @Matches(/^[1-9]\d{0,4}[smhd]$/, { message: 'step must be a bucket size such as 30s, 5m, 1h or 1d' })
  step?: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function stepSeconds(step: string): number {
  return Number(step.slice(0, -1)) * UNIT_SECONDS[step.slice(-1)];
}
