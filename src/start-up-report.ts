import { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { serviceVersion } from './common/project';
import { AppConfig, withoutPassword } from './config/environment';
import { OpenClawService } from './openclaw/openclaw.service';
import { WorkspaceService } from './workspace/workspace.service';

/** How long the start waits for OpenClaw's first read, so that its line says what was found. */
const OPENCLAW_WAIT_MS = 3_000;

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

/**
 * What a started service says at the default log level, a line each: its version and where its data
 * is, what it found (the workspace, the OpenClaw home) or, for what it did not, the next step, and its
 * addresses. The REST API's line is the one scripts and tests wait for; the WebSocket gateway says its
 * own address as it starts listening.
 */
export async function startUpReport(app: INestApplication): Promise<string[]> {
  const config = app.get(AppConfig);
  const database = config.get('MC_DATABASE_URL', { infer: true });
  const redis = config.get('MC_REDIS_URL', { infer: true });
  const sqlite = join(config.get('MC_DATA_DIR', { infer: true }), 'metrics.db');
  const url = await app.getUrl();
  return [
    `Mission Control ${serviceVersion()} (Node ${process.versions.node}), data in ` +
      (database ? `PostgreSQL ${withoutPassword(database)}` : `SQLite ${sqlite}`) +
      (redis ? `, cluster bus ${withoutPassword(redis)}` : ''),
    workspaceLine(app.get(WorkspaceService)),
    await openClawLine(app.get(OpenClawService)),
    `Dashboard on ${url}/`,
    `Instance ${config.get('MC_INSTANCE_ID', { infer: true })}: REST API on ${url}, documentation at ${url}/docs`,
  ];
}

function workspaceLine(workspace: WorkspaceService): string {
  if (!workspace.available)
    return (
      `Workspace ${workspace.missionControlDir} not found: set MC_WORKSPACE to the OpenClaw workspace ` +
      '(the folder that holds mission-control/agents/); it is read as soon as it appears'
    );
  const agents = workspace.listAgents().length;
  const tasks = workspace.getTaskQueue().tasks.length;
  return `Workspace ${workspace.missionControlDir}: ${plural(agents, 'agent')}, ${plural(tasks, 'task')}`;
}

async function openClawLine(openclaw: OpenClawService): Promise<string> {
  const deadline = Date.now() + OPENCLAW_WAIT_MS;
  let health = openclaw.health();
  while (health.state !== 'off' && health.last_poll_at === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    health = openclaw.health();
  }
  const home = `OpenClaw home ${health.home}`;
  if (health.state === 'off') return `${home} not read (MC_OPENCLAW=off)`;
  if (health.last_poll_at === null) return `${home}: still being read`;
  if (health.state === 'not found')
    return (
      `${home} not found: set MC_OPENCLAW_HOME to OpenClaw's state folder (the one that holds openclaw.json ` +
      'and agents/), or MC_OPENCLAW=off not to look for it'
    );
  const found = `${home}: ${plural(health.agents, 'agent')}, ${plural(health.sessions, 'session')}`;
  if (health.state === 'ok') return found;
  return `${found}, read in part (${plural(health.problems.length, 'problem')}: see services.openclaw in /api/health)`;
}
