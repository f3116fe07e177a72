import { DomainEventBus } from '../common/domain-event-bus';
import { DomainEventName } from '../contracts/domain-events';
import { Agent, OpenClawAgent } from '../contracts/fleet';
import { FleetService } from './fleet.service';

const workspaceAgent = (status: Agent['status']): Agent => ({
  id: 'forge',
  name: 'forge',
  codename: null,
  role: 'Builder',
  status,
  raw_status: status,
  current_tasks: [],
  tasks_completed: 2,
  tasks_failed: 0,
  tasks_in_progress: 0,
  task_counts_reported: true,
  current_work_reported: true,
  last_active: '2026-11-27T08:00:00.000Z',
  state: {},
  sources: ['workspace'],
  model: null,
  emoji: null,
});
const openclawAgent: OpenClawAgent = {
  id: 'forge',
  name: 'Forge',
  emoji: null,
  model: 'fake/m1',
  status: 'active',
  lastActive: Date.parse('2026-11-27T09:00:00Z'),
  runsCompleted: 3,
  runsFailed: 0,
  running: [],
  lastRunFailed: false,
};

describe('FleetService', () => {
  let emitted: { name: DomainEventName; payload: { agent?: Agent; previous?: Agent | null } }[];
  let fleet: FleetService;

  beforeEach(() => {
    emitted = [];
    const bus = { emit: (name: DomainEventName, payload: object) => emitted.push({ name, payload }) };
    fleet = new FleetService(bus as unknown as DomainEventBus);
  });

  it('merges the agents the sources announce, from their events alone', () => {
    fleet.workspaceAgentChanged('forge', workspaceAgent('idle'));
    fleet.openClawAgentChanged('forge', openclawAgent);
    expect(emitted.map((e) => e.name)).toEqual(['agent.updated', 'agent.updated']);
    expect(emitted[0].payload.previous).toBeNull();
    expect(fleet.getAgent('forge')).toMatchObject({
      name: 'Forge',
      role: 'Builder',
      sources: ['openclaw', 'workspace'],
    });

    // A later workspace change is merged with what OpenClaw last announced, not with nothing.
    fleet.workspaceAgentChanged('forge', { ...workspaceAgent('idle'), role: 'Smith' });
    expect(fleet.getAgent('forge')).toMatchObject({ role: 'Smith', sources: ['openclaw', 'workspace'] });
  });

  it('keeps an agent one source still knows, and removes it when neither does', () => {
    fleet.workspaceAgentChanged('forge', workspaceAgent('idle'));
    fleet.openClawAgentChanged('forge', openclawAgent);
    fleet.workspaceAgentChanged('forge', null);
    expect(fleet.getAgent('forge')).toMatchObject({ sources: ['openclaw'] });
    fleet.openClawAgentChanged('forge', null);
    expect(fleet.getAgent('forge')).toBeUndefined();
    expect(emitted.at(-1)).toMatchObject({ name: 'agent.removed', payload: { agent: { id: 'forge' } } });
  });

  it('announces nothing when the merged agent did not change', () => {
    fleet.workspaceAgentChanged('forge', workspaceAgent('idle'));
    fleet.workspaceAgentChanged('forge', workspaceAgent('idle'));
    fleet.workspaceAgentChanged('ghost', null);
    expect(emitted).toHaveLength(1);
  });
});
