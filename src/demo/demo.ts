import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp, handleShutdownSignals, listen } from '../app.factory';
import { validateEnvironment } from '../config/environment';
import { WorkspaceSimulator } from './simulator';
import { generateDemoWorkspace } from './workspace-generator';

const SIMULATOR_INTERVAL_MS = 1_500;

/** Demo defaults; anything already set in the environment wins. */
function setDefault(name: string, value: string): void {
  if (!process.env[name]) process.env[name] = value;
}

/**
 * `npm run demo`: Mission Control on a generated workspace whose agents keep changing, so every
 * feature has something to show without a real OpenClaw installation.
 */
async function runDemo(): Promise<void> {
  const logger = new Logger('Demo');
  setDefault('MC_WORKSPACE', join(process.cwd(), 'data', 'demo-workspace'));
  setDefault('MC_DATA_DIR', join(process.cwd(), 'data', 'demo'));
  // Metrics every 5 s instead of every minute, so charts move while someone watches.
  setDefault('MC_METRICS_INTERVAL', '5');
  // The app resolves the path the same way (`~`, relative paths), so both use the same folder.
  const workspace = validateEnvironment(process.env).MC_WORKSPACE;

  await generateDemoWorkspace(workspace);
  logger.log(`Generated a demo workspace in ${join(workspace, 'mission-control')}, broken files included`);

  const simulator = new WorkspaceSimulator(workspace, { intervalMs: SIMULATOR_INTERVAL_MS });
  const app = await createApp();
  await listen(app);
  handleShutdownSignals(app, () => simulator.stop());
  simulator.start();

  const url = await app.getUrl();
  logger.log(`REST API on ${url}: try ${url}/api/agents and ${url}/api/tasks; documentation at ${url}/docs`);
  logger.log(`Agents change every ${SIMULATOR_INTERVAL_MS / 1000} s; press Ctrl+C to stop`);
}

runDemo().catch((error: Error) => {
  console.error(`The demo could not start: ${error.message}`);
  process.exit(1);
});
