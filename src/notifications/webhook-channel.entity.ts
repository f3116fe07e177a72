import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Managed } from '../contracts/alerts';

export const WEBHOOK_FORMATS = ['generic', 'slack', 'discord'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Where notifications are posted, and how. */
@Entity('webhook_channels')
export class WebhookChannel {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 200 })
  name!: string;

  @Column('varchar', { length: 2048 })
  url!: string;

  @Column('varchar', { length: 16 })
  format!: WebhookFormat;

  /** Signs each request (HMAC-SHA256); never returned by the API. */
  @Column('varchar', { length: 512, nullable: true })
  secret!: string | null;

  @Column('boolean')
  enabled!: boolean;

  @Column('varchar', { length: 8 })
  managed!: Managed;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  created_at!: string;

  @Column('varchar', { length: 32 })
  updated_at!: string;
}
