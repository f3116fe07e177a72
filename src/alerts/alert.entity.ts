import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertState, AlertView, Severity } from '../contracts/alerts';

/** One episode of a rule matching a subject (an agent, a session, the fleet), from firing to resolution. */
@Entity('alerts')
@Index('idx_alerts_state', ['state'])
@Index('idx_alerts_rule_subject', ['rule_id', 'subject', 'last_notified_at'])
@Index('idx_alerts_started', ['started_at', 'id'])
export class Alert implements AlertView {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('varchar', { length: 64 })
  rule_id!: string;

  /** The rule's name when the alert fired, kept after the rule is renamed or deleted. */
  @Column('varchar', { length: 200 })
  rule_name!: string;

  /** `agent:<id>`, `session:<key>` or `fleet`. */
  @Column('varchar', { length: 300 })
  subject!: string;

  @Column('varchar', { length: 16 })
  severity!: Severity;

  @Column('varchar', { length: 16 })
  state!: AlertState;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  started_at!: string;

  @Column('varchar', { length: 32, nullable: true })
  resolved_at!: string | null;

  /** What was measured when it fired (minutes offline, USD, failed share, events…), or null. */
  @Column('real', { nullable: true })
  value!: number | null;

  @Column('varchar', { length: 1000 })
  message!: string;

  @Column('varchar', { length: 32, nullable: true })
  acked_at!: string | null;

  @Column('varchar', { length: 200, nullable: true })
  acked_by!: string | null;

  @Column('varchar', { length: 1000, nullable: true })
  ack_note!: string | null;

  /** When its firing or resolution was last notified: cooldowns count from here. */
  @Column('varchar', { length: 32 })
  last_notified_at!: string;
}
