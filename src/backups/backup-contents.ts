import { NotFoundException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceVersion } from '../common/project';
import { DatabaseCopier } from '../database/database-copier';
import { WorkspaceService } from '../workspace/workspace.service';
import { Manifest } from './archive-reader';
import { listFiles, Progress, SourceFile, writeArchiveOffThread } from './backup-archive';
import { ARCHIVE_DATABASE, ARCHIVE_POSTGRES_DUMP, ARCHIVE_WORKSPACE, WORKSPACE_SOURCES } from './backup-names';
import { BackupType } from './backup.entity';

/** What was written, for the check and the backups table. */
export interface Written {
  createdAt: string;
  sha256: string;
  size: number;
  fileCount: number;
  /** The most an archive may unpack to, when known. */
  unpackedBytes: number | undefined;
  /** Why the backup lacks something a user would expect in it. */
  warning?: string;
}

/** Room for manifest.json beside the files it lists, when the unpacked size of an archive is known. */
const MANIFEST_ALLOWANCE = 16 * 1024 * 1024;

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

/** A full backup (the workspace's sources and the database) or one agent's folder, as a .tar.gz with its manifest. */
export async function writeArchiveBackup(backup: ArchiveBackup, onProgress?: (p: Progress) => void): Promise<Written> {
  const { partial, dbCopy, type, id, agentId, missionControlDir: mc } = backup;
  let files: SourceFile[] = [];
  let database: Manifest['database'];
  if (type === 'agent_state') {
    const dir = join(mc, 'agents', agentId ?? '');
    if (!agentId || !(await stat(dir).then((s) => s.isDirectory(), () => false))) {
      throw new NotFoundException({ message: 'Agent not found in the workspace', agent_id: agentId });
    }
    files = await listFiles(dir, `${ARCHIVE_WORKSPACE}/agents/${agentId}`);
  } else {
    for (const source of WORKSPACE_SOURCES) files.push(...(await listFiles(join(mc, source), `${ARCHIVE_WORKSPACE}/${source}`)));
    const copy = await backup.database.copy(dbCopy);
    if (copy.format !== 'sqlite') database = copy.info;
    if (copy.format) files.push({ source: dbCopy, path: copy.format === 'sqlite' ? ARCHIVE_DATABASE : ARCHIVE_POSTGRES_DUMP, size: (await stat(dbCopy)).size });
  }
  const createdAt = new Date().toISOString();
  const base = { format: 1 as const, id, type, agent_id: agentId, created_at: createdAt, service_version: serviceVersion(), ...(database && { database }) };
  const written = await writeArchiveOffThread({ target: partial, files, manifestBase: base }, onProgress);
  const unpackedBytes = written.manifest.files.reduce((sum, f) => sum + f.size, 0) + MANIFEST_ALLOWANCE;
  return { createdAt, sha256: written.sha256, size: written.size, fileCount: files.length, unpackedBytes, warning: database?.skipped };
}

/** The workspace's parsed state (agents, office, task queue) as one JSON file. */
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
  return { createdAt, sha256: createHash('sha256').update(content).digest('hex'), size: content.length, fileCount: snapshot.agents.length, unpackedBytes: undefined };
}
