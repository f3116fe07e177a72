/**
 * The worker thread that parses a large openclaw.json (see parseOffThread in openclaw-home.ts): JSON5
 * reads about 2 MB a second, so a roster of 50,000 agents held the event loop for a second on every
 * change. The roster goes back as JSON texts of CHUNK agents each, which the service parses one per turn
 * of its event loop: 50,000 objects cloned in one message held it for a quarter of a second.
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
