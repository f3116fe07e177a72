import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, Stats } from 'node:fs';
import { once } from 'node:events';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, ReadEntry } from 'tar';

export const MANIFEST = 'manifest.json';

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
  /** Every other file of the archive. */
  files: ManifestFile[];
}

/** A file to put in an archive: where it is on disk and its path inside the archive. */
export interface SourceFile {
  source: string;
  path: string;
  size: number;
  /** Kept in the archive, so a restored file is as old as the original (agents are dated by their files). */
  mtime?: Date;
}

export interface Progress {
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

/** Files at most this large are read whole, so what is archived and hashed is one consistent read. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;

/** Every regular file below `dir`, with its archive path under `prefix`. Links and special files are left out. */
export async function listFiles(dir: string, prefix: string): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const info = await lstat(abs).catch(() => null);
    if (info?.isFile()) found.push({ source: abs, path: rel, size: info.size, mtime: info.mtime });
    if (!info?.isDirectory()) return;
    for (const name of (await readdir(abs)).sort()) await walk(join(abs, name), posix.join(rel, name));
  };
  await walk(dir, prefix);
  return found;
}

/** sha256 of a file, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Streams a tar.gz of `files` plus `manifest.json` (listing each file's size and sha256) into
 * `target`, one file at a time, so memory stays flat whatever the size of the workspace.
 * Returns the sha256 and size of the archive as written.
 */
export async function writeArchive(
  target: string,
  files: SourceFile[],
  manifestBase: Omit<Manifest, 'files'>,
  onProgress?: (progress: Progress) => void,
): Promise<{ sha256: string; size: number; manifest: Manifest }> {
  // Loaded when a backup is written: loaded with this file, it took 0.12 s of CPU of every command line start.
  const { default: archiver } = await import('archiver');
  const archive = archiver('tar', { gzip: true, gzipOptions: { level: 6 } });
  const archiveHash = createHash('sha256');
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      archiveHash.update(chunk);
      written += chunk.length;
      done(null, chunk);
    },
  });
  const done = pipeline(archive, counter, createWriteStream(target));
  const entries: ManifestFile[] = [];
  const progress: Progress = { bytes: 0, totalBytes: files.reduce((s, f) => s + f.size, 0), files: 0, totalFiles: files.length };
  for (const file of files) {
    // Each file is added only once the previous one is written: archiver would otherwise queue them all.
    const entry = once(archive, 'entry');
    if (file.size <= READ_WHOLE_BYTES) {
      const content = await readFile(file.source);
      entries.push({ path: file.path, size: content.length, sha256: createHash('sha256').update(content).digest('hex') });
      archive.append(content, { name: file.path, date: file.mtime });
    } else {
      // A large file (a log) may still grow: archive the size it had when listed.
      const hash = createHash('sha256');
      const stream = createReadStream(file.source, { end: file.size - 1 });
      stream.on('data', (chunk) => hash.update(chunk));
      archive.append(stream, { name: file.path, stats: { size: file.size, mode: 0o100644, mtime: file.mtime ?? new Date() } as Stats });
      await entry;
      entries.push({ path: file.path, size: file.size, sha256: hash.digest('hex') });
    }
    await entry;
    progress.bytes += file.size;
    progress.files++;
    onProgress?.(progress);
  }
  const manifest: Manifest = { ...manifestBase, files: entries };
  archive.append(Buffer.from(JSON.stringify(manifest, null, 2)), { name: MANIFEST });
  await archive.finalize();
  await done;
  return { sha256: archiveHash.digest('hex'), size: written, manifest };
}

/** Why an entry may not be in a Mission Control archive, or null when it may. */
export function entryProblem(path: string, type: string): string | null {
  if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') return `"${path}" is a ${type} entry; only files and folders are allowed`;
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
}

/**
 * Reads a tar.gz through without extracting anything: each entry is checked for safety and hashed.
 * Reading stops at `maxBytes` of content, so a gzip bomb costs a bounded amount of work.
 */
export async function readArchive(file: string, maxBytes: number): Promise<ReadResult> {
  const result: ReadResult = { sha256: '', manifest: null, files: [], problems: [] };
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
        if (total > maxBytes) return parser.abort(new Error(`the archive unpacks to more than ${maxBytes} bytes`));
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
  await Promise.race([pipeline(createReadStream(file), hashing, parser), failed]).catch((error: Error) => {
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
  const read: SnapshotRead = { sha256: createHash('sha256').update(content).digest('hex'), id: null, createdAt: null, agents: 0, problems: [] };
  let snapshot: { format?: unknown; type?: unknown; id?: unknown; created_at?: unknown; agents?: unknown } | null;
  try {
    snapshot = JSON.parse(content.toString('utf8'));
  } catch {
    return { ...read, problems: ['it is neither a tar.gz archive nor a JSON snapshot'] };
  }
  if (snapshot?.format !== 1 || snapshot.type !== 'snapshot' || !Array.isArray(snapshot.agents)) return { ...read, problems: ['the JSON is not a format 1 snapshot'] };
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
    else if (expected.size !== file.size) errors.push(`${file.path} is ${file.size} bytes, the manifest says ${expected.size}`);
    else if (expected.sha256 !== file.sha256) errors.push(`${file.path} does not match its sha256 in the manifest`);
  }
  for (const path of listed.keys()) if (!present.has(path)) errors.push(`${path} is in the manifest but not in the archive`);
  return errors;
}
