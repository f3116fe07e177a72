import { UnprocessableEntityException } from '@nestjs/common';
import { open, stat } from 'node:fs/promises';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { Manifest, readSnapshot } from './archive-reader';
import { checkBackupFile } from './backup-check';
import { BackupType } from '../contracts/backups';

const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/** What an uploaded file is, once checked whole: a gzip archive (full or agent_state) or a snapshot; 422 otherwise. */
export async function inspectUpload(path: string) {
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  await handle.read(head, 0, 2, 0).finally(() => handle.close());
  return head[0] === 0x1f && head[1] === 0x8b ? inspectArchive(path) : inspectSnapshot(path);
}

function refuse(errors: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({
    message: `Not a valid Mission Control backup: ${errors.join('; ')}`,
    errors,
  });
}

async function inspectArchive(path: string) {
  const read = await checkBackupFile(path, 'full');
  const manifest = read.manifest;
  const type = manifest?.type;
  if (!read.errors.length && type !== 'full' && type !== 'agent_state')
    read.errors.push(`manifest type "${String(type)}" is not full or agent_state`);
  const agentId = type === 'agent_state' ? (manifest?.agent_id ?? null) : null;
  if (type === 'agent_state' && (!agentId || !AGENT_ID_PATTERN.test(agentId)))
    read.errors.push('an agent_state manifest must name a valid agent_id');
  if (read.errors.length || !manifest) throw refuse(read.errors);
  return {
    type: type as BackupType,
    manifest,
    createdAt: manifest.created_at ?? new Date().toISOString(),
    sha256: read.sha256,
    fileCount: read.checkedFiles,
    agentId,
  };
}

async function inspectSnapshot(path: string) {
  if ((await stat(path)).size > MAX_SNAPSHOT_BYTES) throw refuse(['a snapshot is at most 256 MiB']);
  const read = await readSnapshot(path);
  if (read.problems.length) throw refuse(read.problems);
  const manifest = { id: read.id ?? '' } as Manifest;
  const createdAt =
    read.createdAt && !Number.isNaN(Date.parse(read.createdAt))
      ? new Date(read.createdAt).toISOString()
      : new Date().toISOString();
  return { type: 'snapshot' as const, manifest, createdAt, sha256: read.sha256, fileCount: read.agents, agentId: null };
}
