import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One agent's figures at one collection. Task counters are running totals; times and messages cover the interval since the previous row. */
@Entity('agent_metrics')
@Index('idx_agent_metrics_agent_timestamp', ['agent_id', 'timestamp'])
@Index('idx_agent_metrics_timestamp', ['timestamp'])
export class AgentMetric {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('varchar', { length: 128 })
  agent_id!: string;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  timestamp!: string;

  @Column('integer', { default: 0 })
  tasks_completed!: number;

  @Column('integer', { default: 0 })
  tasks_failed!: number;

  @Column('integer', { default: 0 })
  tasks_in_progress!: number;

  /** Seconds, or null when no task has been timed. */
  @Column('real', { nullable: true })
  avg_task_duration!: number | null;

  /** Seconds spent active in the interval. */
  @Column('real', { default: 0 })
  total_work_time!: number;

  /** Seconds spent idle in the interval. */
  @Column('real', { default: 0 })
  idle_time!: number;

  @Column('integer', { default: 0 })
  messages_sent!: number;

  @Column('integer', { default: 0 })
  messages_received!: number;

  @Column('real', { default: 0 })
  error_rate!: number;

  @Column('real', { default: 1 })
  success_rate!: number;

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

  /** Tool calls in the interval. */
  @Column('integer', { default: 0 })
  tool_calls!: number;

  /** OpenClaw runs that ended in the interval. */
  @Column('integer', { default: 0 })
  runs!: number;
}
