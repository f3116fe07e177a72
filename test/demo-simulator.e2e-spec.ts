import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkspaceSimulator } from '../src/demo/simulator';
import { generateDemoWorkspace, OFFICE_ZONES } from '../src/demo/workspace-generator';
import { AgentSources, normalizeAgent } from '../src/workspace/agent.normalizer';
import { isPlainObject } from '../src/common/json';
import { parseLenientJson } from '../src/workspace/lenient-json';
import { parseOffice } from '../src/workspace/office.parser';
import { parseTaskQueueJson, parseTaskQueueMarkdown } from '../src/workspace/task-queue.parser';
import { Agent, AGENT_STATUSES, OfficeState, Task } from '../src/contracts/fleet';

const SEED = 20260217;
const STEPS = 20;
const STALE_MS = 15 * 60_000;

/** The workspace read back with the same parsers Mission Control uses. */
interface Reading {
  agents: Agent[];
  /** Agents whose state.json exists but does not parse. */
  brokenStates: string[];
  office: OfficeState;
  officeText: string;
  tasks: Task[];
  tempFiles: string[];
}

async function readWorkspace(root: string): Promise<Reading> {
  const dir = join(root, 'mission-control');
  const ids = (await readdir(join(dir, 'agents'))).sort();
  const agents: Agent[] = [];
  const brokenStates: string[] = [];
  const tempFiles: string[] = [];
  for (const id of ids) {
    const agentDir = join(dir, 'agents', id);
    const names = await readdir(agentDir);
    tempFiles.push(...names.filter((n) => n.endsWith('.tmp')));
    const sources: AgentSources = {};
    if (names.includes('state.json')) {
      const state = tryParse(await readFile(join(agentDir, 'state.json'), 'utf8'));
      if (isPlainObject(state)) sources.state = state;
      else brokenStates.push(id);
    }
    if (names.includes('agent.json'))
      sources.agentJson = parseLenientJson(await readFile(join(agentDir, 'agent.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    if (names.includes('SOUL.md')) sources.soul = await readFile(join(agentDir, 'SOUL.md'), 'utf8');
    agents.push(normalizeAgent(id, sources, Date.now(), STALE_MS));
  }
  const officeText = await readFile(join(dir, 'current_office_state.json'), 'utf8');
  tempFiles.push(...(await readdir(dir)).filter((n) => n.endsWith('.tmp')));
  return {
    agents,
    brokenStates,
    office: parseOffice(parseLenientJson(officeText)),
    officeText,
    tasks: parseTaskQueueJson(parseLenientJson(await readFile(join(dir, 'TASK_QUEUE.json'), 'utf8'))),
    tempFiles,
  };
}

function tryParse(text: string): unknown {
  try {
    return parseLenientJson(text);
  } catch {
    return undefined;
  }
}

/** What a seeded run decides, without the timestamps that differ from run to run. */
function fingerprint(reading: Reading): unknown {
  return {
    agents: reading.agents.map((a) => [a.id, a.raw_status, a.current_tasks, a.tasks_completed, a.tasks_failed]),
    positions: reading.office.positions,
    tasks: reading.tasks.map((t) => [t.id, t.status, t.priority, t.assigned_to, t.text]),
  };
}

describe('Demo workspace and simulator', () => {
  const tempDirs: string[] = [];
  const freshWorkspace = async () => {
    const root = await mkdtemp(join(tmpdir(), 'mc-demo-'));
    tempDirs.push(root);
    await generateDemoWorkspace(root);
    return root;
  };
  const runSteps = async (root: string) => {
    const simulator = new WorkspaceSimulator(root, { seed: SEED });
    for (let i = 0; i < STEPS; i++) await simulator.step();
    await simulator.stop();
  };

  afterAll(async () => {
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('generates the messy cases Mission Control must cope with', async () => {
    const root = await freshWorkspace();
    const reading = await readWorkspace(root);
    const agent = (id: string) => reading.agents.find((a) => a.id === id);

    expect(reading.agents.length).toBeGreaterThanOrEqual(12);
    expect(reading.brokenStates).toEqual(['audit']);
    expect(agent('glasses')).toMatchObject({ raw_status: 'active', status: 'offline' });
    expect(agent('code')).toMatchObject({ raw_status: 'Operational', status: 'active' });
    expect(agent('sentry')?.raw_status).toBeNull();
    expect(agent('gary')).toMatchObject({ name: 'Gary', role: 'Marketing Lead' });
    expect(agent('demo-agent')?.role).toBe('Demonstration agent for onboarding flow');
    expect(agent('buzz')).toMatchObject({ name: 'buzz', status: 'offline' });
    expect(agent('echo')?.name).toContain('<img src=x onerror=alert(1)>');
    expect(reading.officeText).toContain('"hour": 06');
    expect(Object.values(reading.office.positions).some((p) => p.x === null)).toBe(true);
    expect(Object.values(reading.office.positions).some((p) => p.x !== null)).toBe(true);
    expect(reading.tasks).toHaveLength(8);
    const markdown = parseTaskQueueMarkdown(await readFile(join(root, 'mission-control', 'TASK_QUEUE.md'), 'utf8'));
    expect(markdown.map((t) => t.status)).toEqual(
      expect.arrayContaining(['in_progress', 'pending', 'failed', 'completed']),
    );
  });

  it('refuses to replace a workspace it did not create', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mc-demo-'));
    tempDirs.push(root);
    await mkdir(join(root, 'mission-control', 'agents', 'real-agent'), { recursive: true });
    await expect(generateDemoWorkspace(root)).rejects.toThrow(/refusing to replace it/);
    expect(await readdir(join(root, 'mission-control', 'agents'))).toEqual(['real-agent']);
  });

  it(`keeps every file readable through ${STEPS} seeded steps, and changes them`, async () => {
    const root = await freshWorkspace();
    const before = await readWorkspace(root);
    await runSteps(root);
    const after = await readWorkspace(root);

    expect(after.tempFiles).toEqual([]);
    expect(after.brokenStates).toEqual(['audit']);
    expect(after.agents.map((a) => a.id)).toEqual(before.agents.map((a) => a.id));
    for (const agent of after.agents) expect(AGENT_STATUSES).toContain(agent.status);
    expect(after.officeText).toContain('"hour": 06');
    for (const [id, position] of Object.entries(after.office.positions)) {
      expect(before.agents.map((a) => a.id)).toContain(id);
      expect(Object.keys(OFFICE_ZONES)).toContain(position.zone);
    }
    expect(new Set(after.tasks.map((t) => t.id)).size).toBe(after.tasks.length);

    const changedAgents = after.agents.filter((a, i) => a.last_active !== before.agents[i].last_active);
    expect(changedAgents.length).toBeGreaterThan(0);
    expect(after.office.positions).not.toEqual(before.office.positions);
    expect(after.tasks).not.toEqual(before.tasks);
    // Left alone on purpose: the stale agent stays stale, the status-less one stays without a status.
    expect(after.agents.find((a) => a.id === 'glasses')?.last_active).toBe(
      before.agents.find((a) => a.id === 'glasses')?.last_active,
    );
    expect(after.agents.find((a) => a.id === 'sentry')?.raw_status).toBeNull();
  });

  it('makes the same changes for the same seed', async () => {
    const [first, second] = [await freshWorkspace(), await freshWorkspace()];
    await runSteps(first);
    await runSteps(second);
    expect(fingerprint(await readWorkspace(second))).toEqual(fingerprint(await readWorkspace(first)));
  });

  it('steps on its own once started, and stop() leaves the workspace readable', async () => {
    const root = await freshWorkspace();
    const before = await readWorkspace(root);
    const simulator = new WorkspaceSimulator(root, { seed: SEED, intervalMs: 10 });
    simulator.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await simulator.stop();
    const after = await readWorkspace(root);
    expect(after.brokenStates).toEqual(['audit']);
    expect(after.tempFiles).toEqual([]);
    expect(after.office.positions).not.toEqual(before.office.positions);
  });
});
