/**
 * The worker thread that writes a backup archive (see writeArchiveOffThread): the reading, hashing
 * and tar framing of thousands of files stay off the service's event loop and out of its heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Progress, writeArchive, WriterInput, WriterMessage } from './backup-archive';

const PROGRESS_EVERY_MS = 100;

const { target, files, manifestBase } = workerData as WriterInput;
const post = (message: WriterMessage) => parentPort?.postMessage(message);
let lastProgress = 0;
const progress = (p: Progress) => {
  if (p.files < p.totalFiles && Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
  lastProgress = Date.now();
  post({ progress: p });
};
writeArchive(target, files, manifestBase, progress).then(
  (result) => post({ result }),
  (error: NodeJS.ErrnoException) => post({ error: { message: error.message, code: error.code, path: error.path } }),
);
