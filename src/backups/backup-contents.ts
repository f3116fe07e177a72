import { NotFoundException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceVersion } from '../common/project';
import { DatabaseCopier } from '../database/database-copier';
import { WorkspaceService } from '../workspace/workspace.service';
import { Manifest } from './archive-reader';
import { Progress, SourceFile } from './backup-archive';
import { checkBackupFile } from './backup-check';
import { ArchiveSource, writeCheckedArchiveOffThread } from './checked-archive';
import { ARCHIVE_DATABASE, ARCHIVE_POSTGRES_DUMP, ARCHIVE_WORKSPACE, WORKSPACE_SOURCES } from './backup-names';
import { BackupType } from '../contracts/backups';

/** What was written, for the backups table, and what reading it back from disk found wrong with it. */
export interface Written {
  createdAt: string;
  sha256: string;
  size: number;
  fileCount: number;
  /** Empty when the file on disk checks out. */
  errors: string[];
  /** Why the backup lacks something a user would expect in it. */
  warning?: string;
}

export interface ArchiveBackup {
  /** Where the archive is written. */
  partial: string;
  /** Where the consistent copy of the database goes on its way into a full backup. */
  dbCopy: string;
  type: Exclude<BackupType, 'snapshot'>;
  id: string;
  agentId: string | null;
  missionControlDir: string;
  database: DatabaseCopier;
}

/**
 * A full backup (the workspace's sources and the database) or
 * one agent's folder, as a .tar.gz with its manifest, checked.
 */
export async function writeArchiveBackup(backup: ArchiveBackup, onProgress?: (p: Progress) => void): Promise<Written> {
  const { partial, dbCopy, type, id, agentId, missionControlDir: mc } = backup;
  const sources: ArchiveSource[] = [];
  const files: SourceFile[] = [];
  let database: Manifest['database'];
  if (type === 'agent_state') {
    const dir = join(mc, 'agents', agentId ?? '');
    if (
      !agentId ||
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new NotFoundException({ message: 'Agent not found in the workspace', agent_id: agentId });
    }
    sources.push({ dir, prefix: `${ARCHIVE_WORKSPACE}/agents/${agentId}` });
  } else {
    sources.push(
      ...WORKSPACE_SOURCES.map((source) => ({ dir: join(mc, source), prefix: `${ARCHIVE_WORKSPACE}/${source}` })),
    );
    const copy = await backup.database.copy(dbCopy);
    if (copy.format !== 'sqlite') database = copy.info;
    if (copy.format)
      files.push({
        source: dbCopy,
        path: copy.format === 'sqlite' ? ARCHIVE_DATABASE : ARCHIVE_POSTGRES_DUMP,
        size: (await stat(dbCopy)).size,
      });
  }
  const createdAt = new Date().toISOString();
  const base = {
    format: 1 as const,
    id,
    type,
    agent_id: agentId,
    created_at: createdAt,
    service_version: serviceVersion(),
    ...(database && { database }),
  };
  const written = await writeCheckedArchiveOffThread(
    { target: partial, sources, files, manifestBase: base },
    onProgress,
  );
  return {
    createdAt,
    sha256: written.sha256,
    size: written.size,
    fileCount: written.fileCount,
    errors: written.errors,
    warning: database?.skipped,
  };
}

/** The workspace's parsed state (agents, office, task queue) as one JSON file, checked. */
export async function writeSnapshot(partial: string, id: string, workspace: WorkspaceService): Promise<Written> {
  const createdAt = new Date().toISOString();
  const snapshot = {
    format: 1,
    id,
    type: 'snapshot',
    agent_id: null,
    created_at: createdAt,
    service_version: serviceVersion(),
    agents: workspace.listAgents(),
    office: workspace.getOffice(),
    task_queue: workspace.getTaskQueue(),
  };
  const content = Buffer.from(JSON.stringify(snapshot, null, 2));
  await writeFile(partial, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  // Read back from disk and checked as a verify would: what gets listed is what the disk holds.
  const { errors } = await checkBackupFile(partial, 'snapshot', `sha256:${sha256}`);
  return { createdAt, sha256, size: content.length, fileCount: snapshot.agents.length, errors };
}
