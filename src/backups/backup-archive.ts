import { createHash } from 'node:crypto';
import { closeSync, createReadStream, lstatSync, openSync, readdirSync, readFileSync, readSync, Stats } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Header, Pack, pack as tarPack } from 'tar-stream';
import { ArchiveFile } from './archive-file';
import { MANIFEST, Manifest, ManifestFile } from './archive-reader';

/** A file to put in an archive: where it is on disk and its path inside the archive. */
export interface SourceFile {
  source: string;
  path: string;
  size: number;
  /** Kept in the archive, so a restored file is as old as the original (agents are dated by their files). */
  mtimeMs?: number;
}

export interface Progress {
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

/** Files at most this large are read whole, so what is archived and hashed is one consistent read. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;
/**
 * tar-stream writes each header and each file as its own chunk, and zlib's stream sends each chunk to its
 * thread pool as one job: gathered, the many small files of a workspace make far fewer jobs.
 */
const GZIP_INPUT_BYTES = 256 * 1024;
/** zlib's output comes 64 KiB at a time by default, each piece a thread-pool job and a write of its own. */
const GZIP_OUTPUT_BYTES = 256 * 1024;

/**
 * Every regular file below `dir`, with its archive path under `prefix`. Links and special files are left
 * out. Synchronous, on the archive's worker thread (see readSmall): a promise per `lstat` took longer and
 * held more. A restore counts what it extracts instead, so nothing lists on the service's event loop.
 */
export function listFiles(dir: string, prefix: string): SourceFile[] {
  const top = lstatOrNull(dir);
  if (top?.isFile()) return [{ source: dir, path: prefix, size: top.size, mtimeMs: top.mtimeMs }];
  if (!top?.isDirectory()) return [];
  const found: SourceFile[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const source = join(abs, entry.name);
      // Not posix.join, whose result stays a tree of string pieces, and times as numbers, not Dates: the
      // listing is held for the whole backup, and a folder's names never need normalising.
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(source, path);
      else if (entry.isFile()) {
        const info = lstatOrNull(source);
        if (info?.isFile()) found.push({ source, path, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  walk(dir, prefix);
  return found;
}

function dateOf(file: SourceFile): Date | undefined {
  return file.mtimeMs === undefined ? undefined : new Date(file.mtimeMs);
}

/** A file gone or unreadable since its folder was read is left out, as a link is. */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * A small file, whole, in one read of its listed size plus a byte (a file that grew since is read
 * again whole). Synchronous, on the worker thread that writes the archive (as tar reads its files): an
 * asynchronous read is three hand-offs to the thread pool and back, which cost more than the read.
 */
function readSmall(file: SourceFile): Buffer {
  const fd = openSync(file.source, 'r');
  try {
    const buffer = Buffer.allocUnsafe(file.size + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    return bytesRead > file.size ? readFileSync(file.source) : buffer.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams a tar.gz of `files` plus `manifest.json` (listing each file's size and sha256) into
 * `file`, one file at a time, so memory stays flat whatever the size of the workspace.
 * Returns the sha256 and size of the archive as written. tar-stream frames the entries directly: archiver
 * is tar-stream behind a queue and a stream of its own, which cost time and memory.
 */
export async function writeArchive(
  file: ArchiveFile,
  files: SourceFile[],
  manifestBase: Omit<Manifest, 'files'>,
  onProgress?: (progress: Progress) => void,
): Promise<{ sha256: string; size: number; manifest: Manifest }> {
  const pack = tarPack();
  const done = pipeline(pack, gather(GZIP_INPUT_BYTES), createGzip({ level: 6, chunkSize: GZIP_OUTPUT_BYTES }), file);
  try {
    const manifest: Manifest = { ...manifestBase, files: await appendFiles(pack, files, onProgress) };
    await addEntry(pack, { name: MANIFEST }, Buffer.from(JSON.stringify(manifest, null, 2)));
    pack.finalize();
    await done;
    return { sha256: file.digest(), size: file.written, manifest };
  } catch (error) {
    // A file gone since it was listed, or a full disk: every stream is stopped, so none is left open.
    pack.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  }
}

/** Adds each file to the archive in turn; returns each one's size and sha256 as archived. */
async function appendFiles(
  pack: Pack,
  files: SourceFile[],
  onProgress?: (progress: Progress) => void,
): Promise<ManifestFile[]> {
  const entries: ManifestFile[] = [];
  const progress: Progress = {
    bytes: 0,
    totalBytes: files.reduce((s, f) => s + f.size, 0),
    files: 0,
    totalFiles: files.length,
  };
  for (const file of files) {
    if (file.size <= READ_WHOLE_BYTES) {
      const content = readSmall(file);
      entries.push({
        path: file.path,
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      });
      await addEntry(pack, { name: file.path, mtime: dateOf(file) }, content);
      progress.bytes += file.size;
    } else {
      // A large file (a log) may still grow: archive the size it had when listed.
      const hash = createHash('sha256');
      const entry = pack.entry({ name: file.path, size: file.size, mtime: dateOf(file) });
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          // Reported as it goes: the database alone may be hundreds of megabytes.
          progress.bytes += chunk.length;
          onProgress?.(progress);
          done(null, chunk);
        },
      });
      await pipeline(
        createReadStream(file.source, { end: file.size - 1, highWaterMark: GZIP_INPUT_BYTES }),
        hashing,
        entry,
      );
      entries.push({ path: file.path, size: file.size, sha256: hash.digest('hex') });
    }
    progress.files++;
    onProgress?.(progress);
  }
  return entries;
}

/** Adds one entry whole; resolves once tar-stream has taken it, so entries are not queued up in memory. */
function addEntry(pack: Pack, header: Partial<Header> & Pick<Header, 'name'>, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, content, (error) => (error ? reject(error) : resolve())));
}

/** Passes the stream on in pieces of at least `bytes`. */
function gather(bytes: number): Transform {
  let pieces: Buffer[] = [];
  let held = 0;
  const release = () => {
    // A large file's pieces come at the size wanted: passed on as they are, not copied.
    const joined = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, held);
    pieces = [];
    held = 0;
    return joined;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pieces.push(chunk);
      held += chunk.length;
      done(null, held >= bytes ? release() : undefined);
    },
    flush: (done) => done(null, release()),
  });
}
