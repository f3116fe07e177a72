import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Managed, RuleKind, RuleView, Severity } from '../contracts/alerts';

/** A condition over the fleet's live data that opens alerts, and where to send them. */
@Entity('alert_rules')
export class AlertRule implements RuleView {
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
