/**
 * The worker thread that writes and checks a backup archive (see writeCheckedArchiveOffThread): the
 * listing, reading, hashing and tar framing of thousands of files stay off the service's event loop
 * and out of its heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Progress } from './backup-archive';
import { ArchiveJob, WorkerMessage, writeCheckedArchive } from './checked-archive';

const PROGRESS_EVERY_MS = 100;

const post = (message: WorkerMessage) => parentPort?.postMessage(message);
let lastProgress = 0;
const progress = (p: Progress) => {
  if (p.files < p.totalFiles && Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
  lastProgress = Date.now();
  post({ progress: p });
};
writeCheckedArchive(workerData as ArchiveJob, progress).then(
  (result) => post({ result }),
  (error: NodeJS.ErrnoException) => post({ error: { message: error.message, code: error.code, path: error.path } }),
);
