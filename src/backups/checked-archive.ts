import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ArchiveFile } from './archive-file';
import { Manifest, readArchive } from './archive-reader';
import { listFiles, Progress, SourceFile, writeArchive } from './backup-archive';
import { archiveErrors } from './backup-check';

/** A folder (or one file) whose files go into an archive under `prefix`. */
export interface ArchiveSource {
  dir: string;
  prefix: string;
}

export interface ArchiveJob {
  target: string;
  sources: ArchiveSource[];
  /** Files to add after the sources' (the copy of the database). */
  files: SourceFile[];
  manifestBase: Omit<Manifest, 'files'>;
}

/** What the service needs of a written archive: the manifest stays in the worker, a large copy to send over. */
export interface CheckedArchive {
  sha256: string;
  size: number;
  fileCount: number;
  /** What reading the archive back from disk found wrong with it; empty when it checks out. */
  errors: string[];
}

export type WorkerMessage =
  { progress: Progress } | { result: CheckedArchive } | { error: { message: string; code?: string; path?: string } };

/** Room for manifest.json (and small files that grew since they were listed) beside the listed files. */
const MANIFEST_ALLOWANCE = 16 * 1024 * 1024;

/**
 * Lists the sources, writes the archive, and checks it as a verify would, reading it back from disk
 * behind the writer: every entry against the manifest, and the file against the sha256 it was written
 * with. Behind the writer, the check takes the time gzip leaves free rather than adding its own. Unpacked,
 * the archive may be at most the listed files plus an allowance (so a damaged file cannot unpack without end).
 */
export async function writeCheckedArchive(
  job: ArchiveJob,
  onProgress?: (progress: Progress) => void,
): Promise<CheckedArchive> {
  const files = job.sources.flatMap(({ dir, prefix }) => listFiles(dir, prefix)).concat(job.files);
  const file = new ArchiveFile(job.target);
  const reading = readArchive(
    file.readBack(),
    files.reduce((sum, f) => sum + f.size, MANIFEST_ALLOWANCE),
  );
  // readArchive reports what it finds rather than throwing; it ends when the writing does, failed or not.
  const { sha256, size, manifest } = await writeArchive(file, files, job.manifestBase, onProgress).finally(
    () => reading,
  );
  return { sha256, size, fileCount: manifest.files.length, errors: archiveErrors(await reading, `sha256:${sha256}`) };
}

/**
 * writeCheckedArchive in a worker thread of its own: the garbage of thousands of files would drive the
 * service's heap, kept small (tuneHeap), into full collections, and the listing, the check and their buffers
 * would raise its peak. The event loop stays free for dashboards meanwhile.
 * Compiled, the worker runs dist/backups/archive-writer.worker.js; from sources (tests), through ts-node.
 */
export function writeCheckedArchiveOffThread(
  job: ArchiveJob,
  onProgress?: (progress: Progress) => void,
): Promise<CheckedArchive> {
  const fromSource = __filename.endsWith('.ts');
  const worker = new Worker(join(__dirname, `archive-writer.worker.${fromSource ? 'ts' : 'js'}`), {
    workerData: job,
    execArgv: fromSource ? ['--require', 'ts-node/register/transpile-only'] : [],
    // A small young generation: the worker's garbage is mostly buffers that are done with at once.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if ('progress' in message) return onProgress?.(message.progress);
      if ('result' in message) resolve(message.result);
      // The error's code is what tells a full disk (507) from anything else (see outOfSpace).
      else reject(Object.assign(new Error(message.error.message), message.error));
      void worker.terminate();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the archive writer stopped with exit code ${code}`)));
  });
}
