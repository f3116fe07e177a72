import { UnprocessableEntityException } from '@nestjs/common';
import { open, stat } from 'node:fs/promises';
import { AGENT_ID_PATTERN } from '../workspace/workspace.types';
import { compareWithManifest, hashFile, Manifest, readArchive, readSnapshot } from './archive-reader';
import { ARCHIVE_DATABASES, ARCHIVE_WORKSPACE } from './backup-names';
import { BackupType } from './backup.entity';

/** An archive may unpack to this many times its size (plus a margin) before it counts as a gzip bomb. */
const MAX_RATIO = 100;
const MIN_UNPACKED_ALLOWANCE = 64 * 1024 * 1024;
const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

export interface CheckResult {
  errors: string[];
  checkedFiles: number;
  manifest: Manifest | null;
}

/**
 * Checks a backup file: its own hash, then (archives) every manifest entry against the contents.
 * Reading stops past a bound on the unpacked bytes, so a gzip bomb costs bounded work: the size the
 * caller knows (an archive just written), else no bound when the file is byte for byte the archive
 * recorded (this service made and checked it), else 100 times the file plus 64 MiB (an archive
 * from elsewhere, or one that changed).
 */
export async function checkBackupFile(path: string, type: BackupType, integrityHash?: string, unpackedBytes?: number): Promise<CheckResult> {
  const size = (await stat(path).catch(() => null))?.size;
  if (size === undefined) return { errors: ['the backup file is missing'], checkedFiles: 0, manifest: null };
  if (type === 'snapshot') {
    const read = await readSnapshot(path);
    const errors = [...(integrityHash && integrityHash !== `sha256:${read.sha256}` ? ['the file does not match its recorded sha256'] : []), ...read.problems];
    return { errors, checkedFiles: 1, manifest: null };
  }
  const ours = unpackedBytes === undefined && integrityHash !== undefined && integrityHash === `sha256:${await hashFile(path)}`;
  const bound = unpackedBytes ?? (ours ? Number.POSITIVE_INFINITY : size * MAX_RATIO + MIN_UNPACKED_ALLOWANCE);
  const read = await readArchive(path, bound);
  const errors = [
    ...(integrityHash && integrityHash !== `sha256:${read.sha256}` ? ['the archive does not match its recorded sha256'] : []),
    ...compareWithManifest(read),
    ...read.files.filter((f) => !f.path.startsWith(`${ARCHIVE_WORKSPACE}/`) && !ARCHIVE_DATABASES.includes(f.path)).map((f) => `${f.path} is outside the backup's folders`),
  ];
  return { errors, checkedFiles: read.files.length, manifest: read.manifest };
}

/** What an uploaded file is, once checked whole: a gzip archive (full or agent_state) or a snapshot; 422 otherwise. */
export async function inspectUpload(path: string) {
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  await handle.read(head, 0, 2, 0).finally(() => handle.close());
  return head[0] === 0x1f && head[1] === 0x8b ? inspectArchive(path) : inspectSnapshot(path);
}

function refuse(errors: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `Not a valid Mission Control backup: ${errors.join('; ')}`, errors });
}

async function inspectArchive(path: string) {
  const read = await checkBackupFile(path, 'full');
  const manifest = read.manifest;
  const type = manifest?.type;
  if (!read.errors.length && type !== 'full' && type !== 'agent_state') read.errors.push(`manifest type "${String(type)}" is not full or agent_state`);
  const agentId = type === 'agent_state' ? (manifest?.agent_id ?? null) : null;
  if (type === 'agent_state' && (!agentId || !AGENT_ID_PATTERN.test(agentId))) read.errors.push('an agent_state manifest must name a valid agent_id');
  if (read.errors.length || !manifest) throw refuse(read.errors);
  return { type: type as BackupType, manifest, createdAt: manifest.created_at ?? new Date().toISOString(), sha256: await hashFile(path), fileCount: read.checkedFiles, agentId };
}

async function inspectSnapshot(path: string) {
  if ((await stat(path)).size > MAX_SNAPSHOT_BYTES) throw refuse(['a snapshot is at most 256 MiB']);
  const read = await readSnapshot(path);
  if (read.problems.length) throw refuse(read.problems);
  const manifest = { id: read.id ?? '' } as Manifest;
  const createdAt = read.createdAt && !Number.isNaN(Date.parse(read.createdAt)) ? new Date(read.createdAt).toISOString() : new Date().toISOString();
  return { type: 'snapshot' as const, manifest, createdAt, sha256: read.sha256, fileCount: read.agents, agentId: null };
}
