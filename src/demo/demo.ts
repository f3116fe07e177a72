import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp, handleShutdownSignals, listen } from '../app.factory';
import { tuneHeap } from '../process-tuning';
import { validateEnvironment } from '../config/environment';
import { generateDemoOpenClaw, OpenClawSimulator } from './openclaw-simulator';
import { WorkspaceSimulator } from './simulator';
import { generateDemoWorkspace } from './workspace-generator';

const SIMULATOR_INTERVAL_MS = 1_500;
const OPENCLAW_INTERVAL_MS = 3_000;

/** Demo defaults; anything already set in the environment wins. */
function setDefault(name: string, value: string): void {
  if (!process.env[name]) process.env[name] = value;
}

/**
 * `npm run demo`: Mission Control on a generated workspace and a generated OpenClaw home whose agents
 * keep changing, so every feature has something to show without a real OpenClaw installation.
 */
async function runDemo(): Promise<void> {
  const logger = new Logger('Demo');
  setDefault('MC_WORKSPACE', join(process.cwd(), 'data', 'demo-workspace'));
  setDefault('MC_DATA_DIR', join(process.cwd(), 'data', 'demo'));
  setDefault('MC_OPENCLAW_HOME', join(process.cwd(), 'data', 'demo-openclaw'));
  // Metrics every 5 s instead of every minute, and OpenClaw read
  // every 2 s, so charts and sessions move while someone watches.
  setDefault('MC_METRICS_INTERVAL', '5');
  setDefault('MC_OPENCLAW_POLL', '2');
  // The app resolves the paths the same way (`~`, relative paths), so both use the same folders.
  const { MC_WORKSPACE: workspace, MC_OPENCLAW_HOME: openclawHome } = validateEnvironment(process.env);

  await generateDemoWorkspace(workspace);
  logger.log(`Generated a demo workspace in ${join(workspace, 'mission-control')}, broken files included`);
  const openclaw = new OpenClawSimulator(await generateDemoOpenClaw(openclawHome), OPENCLAW_INTERVAL_MS);
  logger.log(`Generated an OpenClaw home in ${openclawHome}: SQLite and legacy agents, two days of sessions`);

  const simulator = new WorkspaceSimulator(workspace, { intervalMs: SIMULATOR_INTERVAL_MS });
  tuneHeap();
  const app = await createApp();
  await listen(app);
  handleShutdownSignals(app, async () => {
    await Promise.all([simulator.stop(), openclaw.stop()]);
  });
  simulator.start();
  openclaw.start();

  const url = await app.getUrl();
  logger.log(
    `REST API on ${url}: try ${url}/api/agents, ${url}/api/tasks and ${url}/api/sessions; documentation at ${url}/docs`,
  );
  logger.log(
    `Agents change every ${SIMULATOR_INTERVAL_MS / 1000} s, OpenClaw sessions every ${OPENCLAW_INTERVAL_MS / 1000} s; press Ctrl+C to stop`,
  );
}

runDemo().catch((error: Error) => {
  console.error(`The demo could not start: ${error.message}`);
  process.exit(1);
});
