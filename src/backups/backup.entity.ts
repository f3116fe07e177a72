import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BackupRecord, BackupTrigger, BackupType } from '../contracts/backups';

/** One backup file in MC_BACKUP_DIR, as made, verified and listed. */
@Entity('backups')
@Index('idx_backups_created_at', ['created_at'])
export class Backup implements BackupRecord {
  /** UTC time YYYYMMDD_HHMMSS, with a suffix (_2, _3…) when two are made in the same second. */
  @PrimaryColumn('varchar', { length: 32 })
  id!: string;

  @Column('varchar', { length: 16 })
  type!: BackupType;

  @Column('varchar', { length: 128, nullable: true })
  agent_id!: string | null;

  /** The file name in MC_BACKUP_DIR. */
  @Column('varchar', { length: 255 })
  file!: string;

  /** ISO 8601, UTC. */
  @Column('varchar', { length: 32 })
  created_at!: string;

  @Column('integer')
  size_bytes!: number;

  @Column('integer')
  file_count!: number;

  /** `sha256:<hex>` of the whole file. */
  @Column('varchar', { length: 80 })
  integrity_hash!: string;

  /** verified: checked when made or found; failed: a later verify found it damaged. */
  @Column('varchar', { length: 16 })
  status!: 'verified' | 'failed';

  @Column('varchar', { length: 16, default: 'manual' })
  trigger!: BackupTrigger;
}
