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
 * The worker's garbage is nearly all buffers (files read, gzip's input and output, the check's reads), whose
 * JavaScript objects are tiny, so V8, which collects by how full its young generation is, lets dead ones
 * pile up. A minor collection every MiB archived frees them soon after they die, which lowers the peak.
 * `gc` is got as Jest's leak detector gets it, unless Node was started with it.
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
