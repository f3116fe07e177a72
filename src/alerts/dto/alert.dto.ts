import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/page-query.dto';
import { decimalInteger } from '../../common/validation';
import { AlertView, SEVERITIES, Severity } from '../../contracts/alerts';
import { CONFIG_ID_MESSAGE, CONFIG_ID_PATTERN } from '../../contracts/ids';

export class AlertDto implements AlertView {
  id!: number;
  rule_id!: string;
  /** The rule's name when it fired. */
  rule_name!: string;
  /**
   * `agent:<id>`, `session:<key>` or `fleet`.
   * @example "agent:forge"
   */
  subject!: string;
  @ApiProperty({ enum: SEVERITIES })
  severity!: Severity;
  @ApiProperty({ enum: ['firing', 'resolved'] })
  state!: 'firing' | 'resolved';
  /** ISO 8601. */
  started_at!: string;
  /** ISO 8601; null while it fires. */
  resolved_at!: string | null;
  /** What was measured when it fired: minutes offline or stuck, USD, failed share, events; null for yes/no kinds. */
  value!: number | null;
  /** @example "Forge has been offline for 12 minutes" */
  message!: string;
  /** ISO 8601; null until acknowledged. */
  acked_at!: string | null;
  acked_by!: string | null;
  ack_note!: string | null;
  /** When its firing or resolution was last notified (ISO 8601): the cooldown counts from here. */
  last_notified_at!: string;
}

export class AlertPageDto {
  /** Newest first. */
  alerts!: AlertDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor!: string | null;
}

export class AlertQuery extends PageQuery {
  @IsOptional()
  @IsIn(['firing', 'resolved'], { message: 'state must be firing or resolved' })
  state?: 'firing' | 'resolved';

  /** Only this rule's alerts. */
  @IsOptional()
  @Matches(CONFIG_ID_PATTERN, { message: `rule_id ${CONFIG_ID_MESSAGE}` })
  rule_id?: string;
}

const ALERT_ID_MESSAGE = 'id must be an alert id: a whole number from 1, in decimal without leading zeros';

export class AlertIdParams {
  @Transform(decimalInteger)
  @IsInt({ message: ALERT_ID_MESSAGE })
  @Min(1, { message: ALERT_ID_MESSAGE })
  @Max(Number.MAX_SAFE_INTEGER, { message: ALERT_ID_MESSAGE })
  id!: number;
}

export class AckAlertDto {
  /**
   * Who acknowledges it.
   * @example "dana"
   */
  @IsOptional()
  @IsString({ message: 'by must be a string' })
  @MaxLength(200, { message: 'by must be at most 200 characters' })
  by?: string;

  /** @example "Looking into it" */
  @IsOptional()
  @IsString({ message: 'note must be a string' })
  @MaxLength(1000, { message: 'note must be at most 1000 characters' })
  note?: string;
}
