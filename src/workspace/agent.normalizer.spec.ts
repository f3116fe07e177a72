import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeAgent, parseSoulHeading } from './agent.normalizer';
import { normalizeStatus } from '../contracts/fleet';
import { parseLenientJson } from './lenient-json';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'workspace', 'mission-control', 'agents');
const readJson = (path: string) =>
  parseLenientJson(readFileSync(join(FIXTURE, path), 'utf8')) as Record<string, unknown>;
const NOW = Date.parse('2026-02-17T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('normalizeStatus', () => {
  it.each([
    ['active', 'active'],
    ['Operational', 'active'],
    ['WORKING', 'active'],
    ['busy', 'active'],
    ['running', 'active'],
    ['online', 'active'],
    ['idle', 'idle'],
    ['waiting', 'idle'],
    ['available', 'idle'],
    ['Standby', 'idle'],
    ['error', 'error'],
    ['failed', 'error'],
    ['crashed', 'error'],
    ['blocked', 'error'],
    ['offline', 'offline'],
    ['stopped', 'offline'],
    ['sleeping', 'offline'],
    [' idle ', 'idle'],
    [null, 'offline'],
  ])('%j → %s', (raw, expected) => {
    expect(normalizeStatus(raw)).toBe(expected);
  });
});

describe('normalizeAgent on the fixture files', () => {
  it('reads a camelCase state.json', () => {
    const agent = normalizeAgent('forge', { state: readJson('forge/state.json') }, NOW, DAY);
    expect(agent).toMatchObject({
      id: 'forge',
      name: 'forge',
      codename: 'The Smith',
      status: 'active',
      raw_status: 'operational',
      tasks_completed: 7,
      tasks_in_progress: 2,
      current_tasks: ['Design dashboard UI'],
      last_active: '2026-02-17T00:46:00.000Z',
    });
    expect(agent.state.partner).toBe('code');
  });

  it('reads a state.json with no status at all as offline, dated by the file', () => {
    const agent = normalizeAgent(
      'watchtower',
      { state: readJson('watchtower/state.json'), modifiedMs: NOW - 60_000 },
      NOW,
      DAY,
    );
    expect(agent).toMatchObject({
      name: 'watchtower',
      status: 'offline',
      raw_status: null,
      last_active: new Date(NOW - 60_000).toISOString(),
    });
  });

  it('reads agent.json metadata when there is no state', () => {
    const agent = normalizeAgent(
      'onboarding-bot',
      { agentJson: readJson('onboarding-bot/agent.json'), modifiedMs: NOW },
      NOW,
      DAY,
    );
    expect(agent).toMatchObject({
      name: 'onboarding-bot',
      role: 'Demonstration agent for onboarding flow',
      status: 'active',
      tasks_completed: 3,
      tasks_failed: 1,
    });
  });

  it('reads the SOUL.md heading', () => {
    const soul = readFileSync(join(FIXTURE, 'maven/SOUL.md'), 'utf8');
    expect(normalizeAgent('maven', { soul }, NOW, DAY)).toMatchObject({
      name: 'Maven',
      role: 'Marketing Lead',
      status: 'offline',
      last_active: null,
    });
  });

  it('normalises an empty folder to its id', () => {
    expect(normalizeAgent('empty-one', {}, NOW, DAY)).toMatchObject({
      id: 'empty-one',
      name: 'empty-one',
      codename: null,
      role: null,
      status: 'offline',
      current_tasks: [],
      tasks_completed: 0,
      tasks_failed: 0,
      state: {},
    });
  });
});

describe('normalizeAgent rules', () => {
  const fresh = new Date(NOW - 60_000).toISOString();

  it('takes the name from state name, agent, codename, agent.json, SOUL.md, then the id', () => {
    const soul = '# Soul Name - Role';
    expect(normalizeAgent('x', { state: { name: 'N', agent: 'A', codename: 'C' }, soul }, NOW, DAY).name).toBe('N');
    expect(normalizeAgent('x', { state: { agent: 'A', codename: 'C' } }, NOW, DAY).name).toBe('A');
    expect(normalizeAgent('x', { state: { codename: 'C' } }, NOW, DAY).name).toBe('C');
    expect(normalizeAgent('x', { state: {}, agentJson: { name: 'J' }, soul }, NOW, DAY).name).toBe('J');
    expect(normalizeAgent('x', { soul }, NOW, DAY).name).toBe('Soul Name');
    expect(normalizeAgent('x', { state: { name: '  ', agent: 42 } }, NOW, DAY).name).toBe('x');
  });

  it('prefers the state status over agent.json, and keeps the raw word', () => {
    const agent = normalizeAgent(
      'x',
      { state: { status: 'Idle', lastActive: fresh }, agentJson: { status: 'active' } },
      NOW,
      DAY,
    );
    expect(agent).toMatchObject({ status: 'idle', raw_status: 'Idle' });
    expect(normalizeAgent('x', { state: { lastActive: fresh }, agentJson: { status: 'busy' } }, NOW, DAY).status).toBe(
      'active',
    );
  });

  it('turns a quiet agent offline whatever it says', () => {
    const old = new Date(NOW - 16 * 60_000).toISOString();
    expect(normalizeAgent('x', { state: { status: 'active', lastActive: old } }, NOW, 15 * 60_000)).toMatchObject({
      status: 'offline',
      raw_status: 'active',
    });
    expect(normalizeAgent('x', { state: { status: 'active', lastActive: fresh } }, NOW, 15 * 60_000).status).toBe(
      'active',
    );
  });

  it('reads last_active in every spelling, epoch numbers included, and falls back to the file time', () => {
    const iso = '2026-02-17T09:59:00.000Z';
    for (const state of [{ lastActive: iso }, { last_active: iso }, { stats: { last_active: iso } }]) {
      expect(normalizeAgent('x', { state }, NOW, DAY).last_active).toBe(iso);
    }
    expect(normalizeAgent('x', { agentJson: { metrics: { last_active: iso } } }, NOW, DAY).last_active).toBe(iso);
    expect(normalizeAgent('x', { state: { lastActive: Date.parse(iso) / 1000 } }, NOW, DAY).last_active).toBe(iso);
    expect(
      normalizeAgent('x', { state: { lastActive: 'yesterday-ish' }, modifiedMs: Date.parse(iso) }, NOW, DAY)
        .last_active,
    ).toBe(iso);
  });

  it('reads counts from stats in either case style, as numbers or numeric strings, never negative', () => {
    expect(normalizeAgent('x', { state: { stats: { tasksCompleted: 4, tasksFailed: '2' } } }, NOW, DAY)).toMatchObject({
      tasks_completed: 4,
      tasks_failed: 2,
    });
    expect(
      normalizeAgent('x', { state: { stats: { tasks_completed: '9', tasks_failed: -3 } } }, NOW, DAY),
    ).toMatchObject({ tasks_completed: 9, tasks_failed: 0 });
    expect(normalizeAgent('x', { state: { tasks_completed: 5 } }, NOW, DAY).tasks_completed).toBe(5);
  });

  it('reads current_task(s) as strings, objects or lists', () => {
    expect(normalizeAgent('x', { state: { current_task: 'Write' } }, NOW, DAY).current_tasks).toEqual(['Write']);
    expect(normalizeAgent('x', { state: { current_task: { title: 'Plan' } } }, NOW, DAY).current_tasks).toEqual([
      'Plan',
    ]);
    expect(
      normalizeAgent('x', { state: { current_tasks: ['A', { name: 'B' }, null, 7, { other: 1 }] } }, NOW, DAY)
        .current_tasks,
    ).toEqual(['A', 'B', '7']);
  });
});

describe('parseSoulHeading', () => {
  it.each([
    ['# Gary - Marketing Lead\n', { name: 'Gary', role: 'Marketing Lead' }],
    ['# Quill — Writer', { name: 'Quill', role: 'Writer' }],
    ['intro\n#  **Pixel** : Designer ', { name: 'Pixel', role: 'Designer' }],
    ['# Solo', { name: 'Solo', role: null }],
    ['no heading here', null],
  ])('%j', (text, expected) => {
    expect(parseSoulHeading(text)).toEqual(expected);
  });
});
