import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of the event log: reported by an agent or tool, or logged by Mission Control itself. */
@Entity('events')
@Index('idx_events_timestamp', ['timestamp'])
@Index('idx_events_type_timestamp', ['event_type', 'timestamp'])
@Index('idx_events_agent_timestamp', ['agent_id', 'timestamp'])
export class EventRecord {
  @PrimaryGeneratedColumn()
  id!: number;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  timestamp!: string;

  @Column('varchar', { length: 64 })
  event_type!: string;

  @Column('varchar', { length: 128, nullable: true })
  agent_id!: string | null;

  /** A JSON object, as text. */
  @Column('text', { default: '{}' })
  data!: string;
}
