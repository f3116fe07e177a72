import { Column, Entity, PrimaryColumn } from 'typeorm';

export const RULE_KINDS = [
  'agent_offline',
  'agent_error',
  'session_stuck',
  'cost_budget',
  'error_rate',
  'event_count',
  'backup_failed',
  'no_backup',
  'health',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** api: made over the API; file: loaded from MC_ALERT_RULES, read-only over the API. */
export type Managed = 'api' | 'file';

/** A condition over the fleet's live data that opens alerts, and where to send them. */
@Entity('alert_rules')
export class AlertRule {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 200 })
  name!: string;

  @Column('varchar', { length: 32 })
  kind!: RuleKind;

  /** The kind's parameters, validated by kind (see rule-params.dto.ts). */
  @Column('simple-json')
  params!: Record<string, unknown>;

  @Column('boolean')
  enabled!: boolean;

  @Column('varchar', { length: 16 })
  severity!: Severity;

  @Column('real')
  cooldown_minutes!: number;

  @Column('boolean')
  notify_resolved!: boolean;

  /** Webhook channel ids. */
  @Column('simple-json')
  channels!: string[];

  @Column('varchar', { length: 8 })
  managed!: Managed;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  created_at!: string;

  @Column('varchar', { length: 32 })
  updated_at!: string;
}
