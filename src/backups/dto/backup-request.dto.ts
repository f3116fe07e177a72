import { IsIn, IsOptional, Matches, ValidateIf } from 'class-validator';
import { AGENT_ID_PATTERN } from '../../contracts/ids';
import { BACKUP_TYPES, BackupType } from '../../contracts/backups';
import { BACKUP_ID_PATTERN } from '../backup-names';

const AGENT_ID_MESSAGE = 'agent_id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters';

export class CreateBackupDto {
  /** full (workspace and database), agent_state (one agent's folder) or snapshot (normalised states as JSON). */
  @IsIn(BACKUP_TYPES, { message: `type must be one of: ${BACKUP_TYPES.join(', ')}` })
  type!: BackupType;

  /** Required for agent_state. */
  @ValidateIf((o: CreateBackupDto) => o.type === 'agent_state' || o.agent_id !== undefined)
  @Matches(AGENT_ID_PATTERN, { message: AGENT_ID_MESSAGE })
  agent_id?: string;
}

export class RestoreBackupDto {
  /** Restore only this agent's folder. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: AGENT_ID_MESSAGE })
  agent_id?: string;
}

export class BackupIdParams {
  /** YYYYMMDD_HHMMSS, optionally with a _N suffix. */
  @Matches(BACKUP_ID_PATTERN, { message: 'id must be a backup id such as 20261122_101500' })
  id!: string;
}

export class ListBackupsQuery {
  @IsOptional()
  @IsIn(BACKUP_TYPES, { message: `type must be one of: ${BACKUP_TYPES.join(', ')}` })
  type?: BackupType;
}
