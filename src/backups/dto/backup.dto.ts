import { ApiProperty } from '@nestjs/swagger';
import { Backup } from '../backup.entity';
import { BACKUP_TYPES, BackupType } from '../../contracts/backups';
import { humanSize } from '../backup-names';

export class BackupDto {
  /** UTC time YYYYMMDD_HHMMSS, with a suffix when two are made in the same second. */
  id!: string;
  @ApiProperty({ enum: BACKUP_TYPES })
  type!: BackupType;
  agent_id!: string | null;
  /** ISO 8601. */
  created_at!: string;
  size_bytes!: number;
  /** Such as "12.4 MB". */
  size_human!: string;
  /** Files in the archive (agents in a snapshot). */
  file_count!: number;
  /** sha256:<hex> of the backup file. */
  integrity_hash!: string;
  /** verified, or failed when a later verify found it damaged. */
  status!: string;
  /** manual, scheduled, pre_restore, imported or found. */
  trigger!: string;
}

export class BackupListDto {
  /** Newest first. */
  backups!: BackupDto[];
}

export class VerifyResultDto {
  id!: string;
  valid!: boolean;
  checked_files!: number;
  errors!: string[];
}

export class RestoreResultDto {
  success!: boolean;
  message!: string;
  restored_files!: number;
  /** The backup of the state just before the restore. */
  safety_backup_id!: string;
}

export class ProcedureDto {
  name!: string;
  steps!: string[];
}

export class ProcedureListDto {
  procedures!: ProcedureDto[];
}

export function toBackupDto(backup: Backup): BackupDto {
  return {
    id: backup.id,
    type: backup.type,
    agent_id: backup.agent_id,
    created_at: backup.created_at,
    size_bytes: backup.size_bytes,
    size_human: humanSize(backup.size_bytes),
    file_count: backup.file_count,
    integrity_hash: backup.integrity_hash,
    status: backup.status,
    trigger: backup.trigger,
  };
}
