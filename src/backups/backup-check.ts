import { stat } from 'node:fs/promises';
import { compareWithManifest, hashFile, Manifest, readArchive, ReadResult, readSnapshot } from './archive-reader';
import { ARCHIVE_DATABASES, ARCHIVE_WORKSPACE } from './backup-names';
import type { BackupType } from '../contracts/backups';

/** An archive may unpack to this many times its size (plus a margin) before it counts as a gzip bomb. */
const MAX_RATIO = 100;
const MIN_UNPACKED_ALLOWANCE = 64 * 1024 * 1024;

export interface CheckResult {
  errors: string[];
  checkedFiles: number;
  manifest: Manifest | null;
  /** The file's sha256 as read for the check: whole when `errors` is empty. */
  sha256: string;
}

/**
 * Checks a backup file: its own hash, then (archives) every manifest entry against the contents.
 * Reading stops past a bound on the unpacked bytes, 100 times the file plus 64 MiB, so a gzip bomb
 * costs bounded work. An archive past the bound is read again, whole, only when the file is byte for
 * byte the archive recorded (this service made and checked it: a folder of zeros unpacks further).
 * Hashing the file first, to choose the bound, read every archive twice; now one within the bound,
 * nearly all of them, is read once.
 */
export async function checkBackupFile(path: string, type: BackupType, integrityHash?: string): Promise<CheckResult> {
  const size = (await stat(path).catch(() => null))?.size;
  if (size === undefined)
    return { errors: ['the backup file is missing'], checkedFiles: 0, manifest: null, sha256: '' };
  if (type === 'snapshot') {
    const read = await readSnapshot(path);
    const errors = [
      ...(integrityHash && integrityHash !== `sha256:${read.sha256}`
        ? ['the file does not match its recorded sha256']
        : []),
      ...read.problems,
    ];
    return { errors, checkedFiles: 1, manifest: null, sha256: read.sha256 };
  }
  let read = await readArchive(path, size * MAX_RATIO + MIN_UNPACKED_ALLOWANCE);
  if (read.overBound && integrityHash !== undefined && integrityHash === `sha256:${await hashFile(path)}`)
    read = await readArchive(path, Number.POSITIVE_INFINITY);
  return {
    errors: archiveErrors(read, integrityHash),
    checkedFiles: read.files.length,
    manifest: read.manifest,
    sha256: read.sha256,
  };
}

/**
 * What is wrong with an archive as read: its hash, its contents
 * against its manifest, entries outside the backup's folders.
 */
export function archiveErrors(read: ReadResult, integrityHash?: string): string[] {
  return [
    ...(integrityHash && integrityHash !== `sha256:${read.sha256}`
      ? ['the archive does not match its recorded sha256']
      : []),
    ...compareWithManifest(read),
    ...read.files
      .filter((f) => !f.path.startsWith(`${ARCHIVE_WORKSPACE}/`) && !ARCHIVE_DATABASES.includes(f.path))
      .map((f) => `${f.path} is outside the backup's folders`),
  ];
}
