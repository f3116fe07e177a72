import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The whole fleet's figures at one collection. */
@Entity('system_metrics')
@Index('idx_system_metrics_timestamp', ['timestamp'])
export class SystemMetric {
  @PrimaryGeneratedColumn()
  id!: number;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  timestamp!: string;

  @Column('integer', { default: 0 })
  total_agents!: number;

  @Column('integer', { default: 0 })
  active_agents!: number;

  @Column('integer', { default: 0 })
  idle_agents!: number;

  @Column('integer', { default: 0 })
  offline_agents!: number;

  @Column('integer', { default: 0 })
  total_tasks_completed!: number;

  @Column('integer', { default: 0 })
  total_tasks_pending!: number;

  @Column('integer', { default: 0 })
  total_tasks_failed!: number;

  /** 0..1. */
  @Column('real', { default: 1 })
  system_health_score!: number;

  /** Milliseconds, or null when no event reported one. */
  @Column('real', { nullable: true })
  avg_response_time!: number | null;

  @Column('real', { default: 0 })
  events_per_minute!: number;

  /** Input tokens of OpenClaw model answers in the interval. */
  @Column('integer', { default: 0 })
  tokens_in!: number;

  /** Output tokens in the interval. */
  @Column('integer', { default: 0 })
  tokens_out!: number;

  /** USD spent in the interval. */
  @Column('real', { default: 0 })
  cost_usd!: number;

  /** USD spent in all, a running total. */
  @Column('real', { default: 0 })
  cost_usd_total!: number;

  /** The last event id this collection counted: where the next one resumes, across restarts. */
  @Column('integer', { nullable: true })
  last_event_id!: number | null;
}
