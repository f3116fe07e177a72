import { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { serviceVersion } from './common/project';
import { AppConfig, withoutPassword } from './config/environment';
import { GatewayView } from './contracts/gateways';
import { GatewaysService } from './gateways/gateways.service';
import { OpenClawService } from './openclaw/openclaw.service';
import { WorkspaceService } from './workspace/workspace.service';

/** How long the start waits for OpenClaw's first read, so that its line says what was found. */
const OPENCLAW_WAIT_MS = 3_000;
/** How long it waits for gateways still connecting; the start never depends on them. */
const GATEWAY_WAIT_MS = 2_000;

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

/**
 * What a started service says at the default log level, a line each: its version and where its data
 * is, what it found (the workspace, the OpenClaw home, gateways) or, for what it did not, the next step, and its
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
    await gatewaysLine(app.get(GatewaysService), config),
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

async function gatewaysLine(service: GatewaysService, config: AppConfig): Promise<string> {
  if (config.get('MC_OPENCLAW_GATEWAYS', { infer: true })?.off) return 'Gateways off (MC_OPENCLAW_GATEWAYS=off)';
  const deadline = Date.now() + GATEWAY_WAIT_MS;
  let health = service.health();
  while (health.gateways.some((g) => g.state === 'connecting') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    health = service.health();
  }
  if (!health.held_here) return "Gateways: held by the cluster's leader (see its /api/health)";
  if (health.message && !health.gateways.length) return `Gateways: ${health.message}`;
  if (!health.gateways.length)
    return 'Gateways: none (openclaw.json names no local gateway; MC_OPENCLAW_GATEWAYS lists others)';
  const control = health.control ? '' : '; control actions off until an API token is set (MC_API_TOKENS)';
  return `Gateways: ${health.gateways.map(gatewayState).join('; ')}${control}`;
}

function gatewayState(view: GatewayView): string {
  const name = `${view.id} ${view.url}`;
  switch (view.state) {
    case 'connected':
      return `${name} connected (OpenClaw ${view.openclaw_version ?? 'unknown'})`;
    case 'pairing_required':
      return `${name} waits for pairing: run ${view.pairing_command ?? 'openclaw devices approve <id>'} on its host`;
    case 'auth_failed':
      return `${name} refused the token: check its token or password`;
    case 'protocol_mismatch':
      return `${name} speaks another protocol: update OpenClaw or Mission Control`;
    case 'unreachable':
      return `${name} not reachable: is its gateway running? (retried in the background)`;
    default:
      return `${name} ${view.state}`;
  }
}
