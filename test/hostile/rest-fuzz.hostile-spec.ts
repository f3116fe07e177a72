import fc from 'fast-check';
import { Agent } from 'node:http';
import { api, removeDirs } from '../support/app-harness';
import { describeRequest, HealthProbe, problemWith, runPool, send } from './support/http-fuzz';
import { FuzzRequest, FuzzTarget, OpenApiDocument, Operation, RequestGenerator } from './support/openapi-requests';
import { hostileSeed } from './support/seed';
import {
  loggedErrors,
  makeFolders,
  openApiDocument,
  RunningService,
  ServiceFolders,
  startService,
} from './support/service';

const IN_FLIGHT = 8;
/** A restore makes a safety backup first: on a busy machine that is seconds, never this. */
const ANSWER_WITHIN_MS = 30_000;

interface Run {
  name: string;
  token?: string;
  requests: number;
  /** Keeps the two runs' request streams apart under one seed. */
  stream: number;
}

/** With the token set, writes mostly stop at 401; without it they reach validation and the services, where most bugs are. */
const RUNS: Run[] = [
  { name: 'with MC_API_TOKEN set', token: 'hostile-token-0123456789', requests: 1_500, stream: 1 },
  { name: 'without a token', requests: 4_000, stream: 2 },
];

let doc: OpenApiDocument;

beforeAll(async () => {
  doc = await openApiDocument<OpenApiDocument>();
});

describe.each(RUNS)('Generated requests from /docs-json, $name', (run) => {
  let folders: ServiceFolders;
  let service: RunningService;
  let target: FuzzTarget;
  const auth: Record<string, string> = run.token ? { authorization: `Bearer ${run.token}` } : {};

  beforeAll(async () => {
    folders = await makeFolders();
    service = await startService(folders, run.token ? { MC_API_TOKEN: run.token } : {});
    target = await describeTarget(service.url, doc, auth, run.token);
  });

  afterAll(async () => {
    await service?.process.stop();
    await removeDirs(folders?.base);
  });

  it(`answers ${run.requests} of them without a 5xx or a hang, every 4xx in the error shape, health within 1 s throughout`, async () => {
    const seed = hostileSeed();
    const generator = new RequestGenerator(doc, target);
    expect(new Set(generator.operations.map((op) => `${op.method} ${op.template}`)).size).toBeGreaterThanOrEqual(30);
    const requests = generator.requests();
    const requestAt = (i: number): FuzzRequest =>
      fc.sample(requests, { seed: seed + run.stream * 1_000_000 + i, numRuns: 1 })[0];
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const probe = new HealthProbe(service.url);
    const started = Date.now();

    await runPool(run.requests, IN_FLIGHT, async (i) => {
      const req = requestAt(i);
      const problem = await send(service.url, req, agent, ANSWER_WITHIN_MS).then(
        (res) => {
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (run.token && res.body.includes(run.token)) return 'the answer holds the API token';
          return problemWith(req, res);
        },
        (error: Error) => `no answer: ${error.message}`,
      );
      if (problem) problems.push(`#${i} (HOSTILE_SEED=${seed}): ${problem}\n    ${describeRequest(req)}`);
    });

    const health = await probe.stop();
    agent.destroy();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `REST ${run.name}: ${run.requests} requests in ${seconds} s, ${health.probes} health probes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    expect({ problems, logged: problems.length ? loggedErrors(service) : '' }).toEqual({ problems: [], logged: '' });
    expect(health.failures).toEqual([]);
    // Some writes went all the way through (events, backups, imports): the run did not stop at the door.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(service.process.child.exitCode).toBeNull();
    expect((await api(service.url, '/api/health')).status).toBe(200);
  });
});

/** Real ids of the running app (agents, sessions, backups, cursors…) so that requests reach past "not found". */
async function describeTarget(
  url: string,
  doc: OpenApiDocument,
  auth: Record<string, string>,
  token: string | undefined,
): Promise<FuzzTarget> {
  const post = (path: string, json: unknown) => api(url, path, { method: 'POST', json, headers: auth });
  const backupIds: string[] = [];
  for (const body of [
    { type: 'full' },
    { type: 'agent_state', agent_id: 'forge' },
    { type: 'snapshot' },
    { type: 'full' },
  ]) {
    const made = await post('/api/backups', body);
    expect(made.status).toBe(201);
    backupIds.push(made.body.id);
  }
  await post('/api/events/batch', {
    events: [
      { event_type: 'task_started', agent_id: 'forge' },
      { event_type: 'task_completed', agent_id: 'forge' },
    ],
  });
  const backupFile = Buffer.from(await (await fetch(`${url}/api/backups/${backupIds[0]}/download`)).arrayBuffer());
  const agentIds = (await api(url, '/api/agents')).body.agents.map((a: { id: string }) => a.id);
  const sessions = (await api(url, '/api/sessions?limit=1')).body;
  const sessionKeys = (await api(url, '/api/sessions')).body.sessions.map((s: { key: string }) => s.key);
  const eventCursor = (await api(url, '/api/system/events?limit=1')).body.next_cursor;
  expect(agentIds.length).toBeGreaterThan(0);
  expect(sessionKeys.length).toBeGreaterThan(0);
  // `/x/{id}…` takes the ids that GET /x lists (agents, backups, and whatever else has a list).
  const ids = new Map<string, string[]>();
  for (const template of Object.keys(doc.paths).filter((t) => t.includes('/{id}'))) {
    const listing = (await api(url, template.slice(0, template.indexOf('/{id}')))).body;
    const items = Object.values(typeof listing === 'object' && listing ? listing : {}).find(Array.isArray) ?? [];
    const listed = items
      .map((item: { id?: unknown }) => item?.id)
      .filter((id: unknown) => typeof id === 'string' || typeof id === 'number');
    ids.set(template, listed.length ? listed.map(String) : agentIds);
  }
  const now = new Date().toISOString();
  const byName: Record<string, string[]> = {
    key: sessionKeys,
    agent_id: agentIds,
    event_type: [
      'task_started',
      'task_completed',
      'task_failed',
      'message_sent',
      'error',
      'status_changed',
      'hostile.probe',
    ],
    timestamp: [now, '2026-01-01T00:00:00Z'],
    since: ['2026-01-01', now],
    until: [now, '2030-01-01T00:00:00Z'],
    cursor: [eventCursor, sessions.next_cursor].filter(Boolean),
    path: ['', 'mission-control', 'mission-control/agents/forge/state.json', 'mission-control/TASK_QUEUE.md'],
    step: ['5m', '1h'],
    status: ['active', 'running', 'in_progress'],
  };
  return {
    token,
    backupFile,
    examples: (name: string, op: Operation) =>
      name === 'id' ? (ids.get(op.template) ?? agentIds) : (byName[name] ?? []),
  };
}
