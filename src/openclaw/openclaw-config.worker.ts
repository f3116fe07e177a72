/**
 * The worker thread that parses a large openclaw.json (see parseOffThread in openclaw-home.ts): JSON5 is
 * slow, and a large roster would hold the event loop on every change. The roster goes back as JSON texts of
 * CHUNK agents each, which the service parses one per turn of its event loop, rather than as objects cloned
 * in one message, which would hold it too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseOpenClawConfig } from './openclaw-config';

const CHUNK = 1_000;

try {
  const { agents, prices } = parseOpenClawConfig(workerData as string);
  const chunks: string[] = [];
  for (let i = 0; i < agents.length; i += CHUNK) chunks.push(JSON.stringify(agents.slice(i, i + CHUNK)));
  parentPort?.postMessage({ chunks, prices: [...prices] });
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
