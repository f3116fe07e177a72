import { Agent, OpenClawAgent } from '../contracts/fleet';
import { mergeAgent } from './fleet-merge';

const workspaceAgent = (overrides: Partial<Agent> = {}): Agent => ({
  id: 'forge',
  name: 'forge',
  codename: 'The Smith',
  role: 'Builder',
  status: 'offline',
  raw_status: 'operational',
  current_tasks: ['Design'],
  tasks_completed: 7,
  tasks_failed: 0,
  tasks_in_progress: 1,
  task_counts_reported: true,
  current_work_reported: true,
  last_active: '2026-11-27T08:00:00.000Z',
  state: { agent: 'forge' },
  sources: ['workspace'],
  model: null,
  emoji: null,
  ...overrides,
});
const openclawAgent = (overrides: Partial<OpenClawAgent> = {}): OpenClawAgent => ({
  id: 'forge',
  name: 'Forge',
  emoji: '🔨',
  model: 'fake/m1',
  status: 'active',
  lastActive: Date.parse('2026-11-27T09:00:00Z'),
  runsCompleted: 3,
  runsFailed: 1,
  running: ['agent:forge:main'],
  lastRunFailed: false,
  ...overrides,
});

describe('mergeAgent', () => {
  it('shows an OpenClaw-only agent with its runs as task counts', () => {
    expect(mergeAgent(undefined, openclawAgent())).toMatchObject({
      name: 'Forge',
      status: 'active',
      tasks_completed: 3,
      tasks_failed: 1,
      current_tasks: ['agent:forge:main'],
      sources: ['openclaw'],
      model: 'fake/m1',
      emoji: '🔨',
    });
  });

  it('keeps what the agent wrote, and takes the status of the fresher source', () => {
    const merged = mergeAgent(workspaceAgent(), openclawAgent())!;
    expect(merged).toMatchObject({
      name: 'Forge',
      codename: 'The Smith',
      role: 'Builder',
      tasks_completed: 7,
      status: 'active',
      sources: ['openclaw', 'workspace'],
      model: 'fake/m1',
    });
    const fresherFile = mergeAgent(
      workspaceAgent({ status: 'error', last_active: '2026-11-27T10:00:00.000Z', name: 'Forgie' }),
      openclawAgent(),
    )!;
    expect(fresherFile).toMatchObject({ status: 'error', name: 'Forgie', last_active: '2026-11-27T10:00:00.000Z' });
  });

  it("counts OpenClaw's runs when the files report no task counts", () => {
    expect(
      mergeAgent(workspaceAgent({ task_counts_reported: false, tasks_completed: 0 }), openclawAgent()),
    ).toMatchObject({ tasks_completed: 3, tasks_failed: 1, task_counts_reported: true });
    expect(mergeAgent(workspaceAgent(), undefined)).toEqual(workspaceAgent());
  });
});
