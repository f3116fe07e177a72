/**
 * The worker thread that writes and checks a backup archive (see writeCheckedArchiveOffThread): the
 * listing, reading, hashing and tar framing of thousands of files stay off the service's event loop
 * and out of its heap.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { Progress } from './backup-archive';
import { ArchiveJob, WorkerMessage, writeCheckedArchive } from './checked-archive';

const PROGRESS_EVERY_MS = 100;
const COLLECT_EVERY_BYTES = 1024 * 1024;

/**
 * The worker's garbage is nearly all buffers: each file read, gzip's input and output, the check's
 * reads and what it unpacks, several times the bytes archived. Their JavaScript objects are tiny, so
 * V8, which collects by how full its young generation is, let up to 30 MB of dead buffers wait
 * (`process.memoryUsage().arrayBuffers`), most of it while a 200 MB database went through. A minor
 * collection every MiB archived frees them soon after they die: a full backup of a service at rest
 * on 10,000 files of 20 KB and 1M events peaked at 209–215 MB instead of 229–233, and took 9.7 s
 * instead of 10.3 (every 4 MiB: 212–219 MB; a full collection every 8 MiB: 220 MB). `gc` is got as
 * Jest's leak detector gets it, unless Node was started with it.
 */
type Collect = (options: { type: 'minor' }) => void;
const collectGarbage = ((): Collect => {
  if (typeof globalThis.gc === 'function') return globalThis.gc as Collect;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Collect;
  setFlagsFromString('--no-expose-gc');
  return gc;
})();

const post = (message: WorkerMessage) => parentPort?.postMessage(message);
let lastProgress = 0;
let collectedAt = 0;
const progress = (p: Progress) => {
  if (p.bytes - collectedAt >= COLLECT_EVERY_BYTES) {
    collectedAt = p.bytes;
    collectGarbage({ type: 'minor' });
  }
  if (p.files < p.totalFiles && Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
  lastProgress = Date.now();
  post({ progress: p });
};
writeCheckedArchive(workerData as ArchiveJob, progress).then(
  (result) => post({ result }),
  (error: NodeJS.ErrnoException) => post({ error: { message: error.message, code: error.code, path: error.path } }),
);
