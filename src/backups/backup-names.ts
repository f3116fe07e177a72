import { BackupType } from '../contracts/backups';

/** Backup ids: the UTC time YYYYMMDD_HHMMSS, with _2, _3… when two are made in the same second. */
export const BACKUP_ID_PATTERN = /^\d{8}_\d{6}(_\d{1,3})?$/;

/** What a full backup takes from `<workspace>/mission-control/`, whichever exist. */
export const WORKSPACE_SOURCES = [
  'agents',
  'dashboard',
  'logs',
  'workflows',
  'TASK_QUEUE.md',
  'TASK_QUEUE.json',
  'current_office_state.json',
];

/** Where things sit inside an archive. */
export const ARCHIVE_WORKSPACE = 'mission-control';
export const ARCHIVE_DATABASE = 'database/metrics.db';
/** A full backup of a service on PostgreSQL holds a pg_dump instead. */
export const ARCHIVE_POSTGRES_DUMP = 'database/mission-control.pgdump';
export const ARCHIVE_DATABASES = [ARCHIVE_DATABASE, ARCHIVE_POSTGRES_DUMP];

export function timeId(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

export function backupFileName(type: BackupType, id: string, agentId: string | null): string {
  if (type === 'snapshot') return `snapshot_${id}.json`;
  if (type === 'agent_state') return `agent_${agentId}_${id}.tar.gz`;
  return `backup_${id}.tar.gz`;
}

/** The type, id and agent a backup file's name says, or null for any other file. */
export function parseBackupFileName(name: string): { type: BackupType; id: string; agentId: string | null } | null {
  const id = '(\\d{8}_\\d{6}(?:_\\d{1,3})?)';
  let m = name.match(new RegExp(`^backup_${id}\\.tar\\.gz$`));
  if (m) return { type: 'full', id: m[1], agentId: null };
  m = name.match(new RegExp(`^snapshot_${id}\\.json$`));
  if (m) return { type: 'snapshot', id: m[1], agentId: null };
  m = name.match(new RegExp(`^agent_([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})_${id}\\.tar\\.gz$`));
  if (m) return { type: 'agent_state', id: m[2], agentId: m[1] };
  return null;
}

/** "1 file", "10 files". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
