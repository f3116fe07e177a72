export const BACKUP_TYPES = ['full', 'agent_state', 'snapshot'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

/** Why a backup was made. */
export type BackupTrigger = 'manual' | 'scheduled' | 'pre_restore' | 'imported' | 'found';

/** One backup file in MC_BACKUP_DIR, as made, verified and listed (and as backup events carry it). */
export interface BackupRecord {
  /** UTC time YYYYMMDD_HHMMSS, with a suffix (_2, _3…) when two are made in the same second. */
  id: string;
  type: BackupType;
  agent_id: string | null;
  /** The file name in MC_BACKUP_DIR. */
  file: string;
  /** ISO 8601, UTC. */
  created_at: string;
  size_bytes: number;
  file_count: number;
  /** `sha256:<hex>` of the whole file. */
  integrity_hash: string;
  /** verified: checked when made or found; failed: a later verify found it damaged. */
  status: 'verified' | 'failed';
  trigger: BackupTrigger;
}
