import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, ReadEntry } from 'tar';
import type { PostgresDumpInfo } from '../database/postgres-dump';

export const MANIFEST = 'manifest.json';
/** Archives are read in 1 MiB pieces rather than the default 64 KiB: fewer reads, a faster check. */
export const ARCHIVE_READ_BYTES = 1024 * 1024;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: 1;
  id: string;
  type: string;
  agent_id: string | null;
  created_at: string;
  service_version: string;
  /** Full backups of a service on PostgreSQL: the dump's versions, or why there is none. */
  database?: PostgresDumpInfo;
  /** Every other file of the archive. */
  files: ManifestFile[];
}

/** sha256 of a file, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Why an entry may not be in a Mission Control archive, or null when it may. */
export function entryProblem(path: string, type: string): string | null {
  if (type !== 'File' && type !== 'OldFile' && type !== 'Directory')
    return `"${path}" is a ${type} entry; only files and folders are allowed`;
  if (path.includes('\0')) return 'an entry name holds a NUL byte';
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('\\')) return `"${path}" is an absolute path`;
  if (path.split(/[\\/]+/).includes('..')) return `"${path}" climbs out of its folder with ..`;
  return null;
}

export interface ReadResult {
  /** sha256 of the archive file itself. */
  sha256: string;
  manifest: Manifest | null;
  /** Every file entry but the manifest, with its real size and sha256. */
  files: ManifestFile[];
  problems: string[];
  /** Reading stopped at `maxBytes` of content; `sha256` then covers only what was read. */
  overBound: boolean;
}

/**
 * Reads a tar.gz through without extracting anything: each entry is checked for safety and hashed.
 * Reading stops at `maxBytes` of content, so a gzip bomb costs a bounded amount of work. `source` is
 * the archive's path, or its bytes as they come (an archive read back while it is written).
 */
export async function readArchive(source: string | AsyncIterable<Buffer>, maxBytes: number): Promise<ReadResult> {
  const result: ReadResult = { sha256: '', manifest: null, files: [], problems: [], overBound: false };
  const fileHash = createHash('sha256');
  let total = 0;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const problem = entryProblem(entry.path, entry.type);
      if (problem) result.problems.push(problem);
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      const isManifest = entry.path === MANIFEST;
      entry.on('data', (chunk: Buffer) => {
        size += chunk.length;
        total += chunk.length;
        if (total > maxBytes) {
          result.overBound = true;
          return parser.abort(new Error(`the archive unpacks to more than ${maxBytes} bytes`));
        }
        hash.update(chunk);
        if (isManifest) chunks.push(chunk);
      });
      entry.on('end', () => {
        if (entry.type === 'Directory') return;
        if (isManifest) result.manifest = parseManifest(Buffer.concat(chunks), result.problems);
        else result.files.push({ path: entry.path, size, sha256: hash.digest('hex') });
      });
    },
  });
  const failed = new Promise<never>((_, reject) => parser.on('error', reject));
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      fileHash.update(chunk);
      done(null, chunk);
    },
  });
  const bytes = typeof source === 'string' ? createReadStream(source, { highWaterMark: ARCHIVE_READ_BYTES }) : source;
  await Promise.race([pipeline(bytes, hashing, parser), failed]).catch((error: Error) => {
    result.problems.push(`not a readable tar.gz: ${error.message}`);
  });
  result.sha256 = fileHash.digest('hex');
  return result;
}

export interface SnapshotRead {
  /** sha256 of the file. */
  sha256: string;
  /** When it is a format 1 snapshot: its id, creation time and how many agents it records. */
  id: string | null;
  createdAt: string | null;
  agents: number;
  problems: string[];
}

/** Reads a JSON snapshot from disk: its sha256, and whether it holds a format 1 snapshot. */
export async function readSnapshot(file: string): Promise<SnapshotRead> {
  const content = await readFile(file);
  const read: SnapshotRead = {
    sha256: createHash('sha256').update(content).digest('hex'),
    id: null,
    createdAt: null,
    agents: 0,
    problems: [],
  };
  let snapshot: { format?: unknown; type?: unknown; id?: unknown; created_at?: unknown; agents?: unknown } | null;
  try {
    snapshot = JSON.parse(content.toString('utf8'));
  } catch {
    return { ...read, problems: ['it is neither a tar.gz archive nor a JSON snapshot'] };
  }
  if (snapshot?.format !== 1 || snapshot.type !== 'snapshot' || !Array.isArray(snapshot.agents))
    return { ...read, problems: ['the JSON is not a format 1 snapshot'] };
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { ...read, id: text(snapshot.id), createdAt: text(snapshot.created_at), agents: snapshot.agents.length };
}

function parseManifest(content: Buffer, problems: string[]): Manifest | null {
  try {
    const manifest = JSON.parse(content.toString('utf8')) as Manifest;
    if (manifest.format !== 1 || !Array.isArray(manifest.files)) throw new Error('it is not a format 1 manifest');
    return manifest;
  } catch (error) {
    problems.push(`manifest.json cannot be read: ${(error as Error).message}`);
    return null;
  }
}

/** Compares what an archive holds with what its manifest says; returns the differences. */
export function compareWithManifest(result: ReadResult): string[] {
  const errors = [...result.problems];
  if (!result.manifest) return errors.length ? errors : ['manifest.json is missing'];
  const listed = new Map(result.manifest.files.map((f) => [f.path, f]));
  const present = new Set<string>();
  for (const file of result.files) {
    present.add(file.path);
    const expected = listed.get(file.path);
    if (!expected) errors.push(`${file.path} is in the archive but not in the manifest`);
    else if (expected.size !== file.size)
      errors.push(`${file.path} is ${file.size} bytes, the manifest says ${expected.size}`);
    else if (expected.sha256 !== file.sha256) errors.push(`${file.path} does not match its sha256 in the manifest`);
  }
  for (const path of listed.keys())
    if (!present.has(path)) errors.push(`${path} is in the manifest but not in the archive`);
  return errors;
}
