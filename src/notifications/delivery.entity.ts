import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { NotificationEvent } from '../contracts/notifications';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One notification for one channel: written in the transaction that records the alert change (the
 * outbox), then sent and retried by the delivery worker until delivered or given up.
 */
@Entity('notification_outbox')
@Index('idx_outbox_status_next', ['status', 'next_attempt_at'])
@Index('idx_outbox_channel', ['channel_id', 'id'])
export class Delivery {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('varchar', { length: 64 })
  channel_id!: string;

  /** Null for a test notification. */
  @Column('integer', { nullable: true })
  alert_id!: number | null;

  @Column('varchar', { length: 64, nullable: true })
  rule_id!: string | null;

  @Column('varchar', { length: 16 })
  event!: NotificationEvent;

  /** `{alert, rule}` as they were at the change, as JSON: the body is built from it at each attempt. */
  @Column('text')
  payload!: string;

  @Column('varchar', { length: 16 })
  status!: DeliveryStatus;

  @Column('integer', { default: 0 })
  attempts!: number;

  /** The receiver's status code at the last attempt, or null when it did not answer. */
  @Column('integer', { nullable: true })
  http_status!: number | null;

  @Column('varchar', { length: 500, nullable: true })
  last_error!: string | null;

  /** ISO 8601, UTC; null once delivered or given up. */
  @Column('varchar', { length: 32, nullable: true })
  next_attempt_at!: string | null;

  @Column('varchar', { length: 32 })
  created_at!: string;

  @Column('varchar', { length: 32, nullable: true })
  last_attempt_at!: string | null;

  @Column('varchar', { length: 32, nullable: true })
  delivered_at!: string | null;
}
