import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CONFIG_ID_MESSAGE, CONFIG_ID_PATTERN } from '../../contracts/ids';
import { PageQuery } from '../../common/page-query.dto';
import { DELIVERY_STATUSES, DeliveryStatus } from '../delivery.entity';
import { NOTIFICATION_EVENTS, NotificationEvent } from '../../contracts/notifications';

export class DeliveryDto {
  id!: number;
  channel_id!: string;
  /** Null for a test notification. */
  alert_id!: number | null;
  rule_id!: string | null;
  @ApiProperty({ enum: NOTIFICATION_EVENTS })
  event!: NotificationEvent;
  /** pending (to be sent or retried), delivered (a 2xx answer), failed (given up after 24 hours, or the channel is gone). */
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: DeliveryStatus;
  attempts!: number;
  /** The receiver's status code at the last attempt; null when it did not answer. */
  http_status!: number | null;
  /** @example "HTTP 500: upstream unavailable" */
  last_error!: string | null;
  /** ISO 8601; null once delivered or failed. */
  next_attempt_at!: string | null;
  /** ISO 8601: when it was queued. */
  created_at!: string;
  last_attempt_at!: string | null;
  delivered_at!: string | null;
}

export class DeliveryPageDto {
  /** Newest first. */
  deliveries!: DeliveryDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor!: string | null;
}

export class DeliveryQuery extends PageQuery {
  /** Only this channel's deliveries. */
  @IsOptional()
  @Matches(CONFIG_ID_PATTERN, { message: `channel_id ${CONFIG_ID_MESSAGE}` })
  channel_id?: string;

  @ApiProperty({ enum: DELIVERY_STATUSES, required: false })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;
}
