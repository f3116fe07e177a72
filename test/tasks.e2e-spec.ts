import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { api, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

describe('Tasks API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { MC_STALE_MINUTES: String(60 * 24 * 365 * 50) } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('serves TASK_QUEUE.json with normalised fields and nested subtasks', async () => {
    const { status, body } = await api(t.url, '/api/tasks');
    expect(status).toBe(200);
    expect(body.source).toBe('TASK_QUEUE.json');
    expect(body.tasks.map((task: { id: string }) => task.id)).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003']);
    const [first, second, third] = body.tasks;
    expect(first).toMatchObject({
      text: 'Build File Watcher API',
      description: 'Build File Watcher API',
      status: 'in_progress',
      priority: 'P0',
      assigned_to: 'forge',
      created_by: 'nexus',
      created_at: '2026-02-17T03:00:00.000Z',
      due: '2026-02-18T04:00:00.000Z',
      tags: ['backend', 'api'],
      notes: 'Detect new files and trigger updates',
      parent_id: null,
    });
    expect(first.subtasks).toEqual([
      expect.objectContaining({
        id: 'TASK-0001-SUB-1',
        status: 'completed',
        parent_id: 'TASK-0001',
        completed_at: '2026-02-17T03:25:00.000Z',
      }),
      expect.objectContaining({ id: 'TASK-0001-SUB-2', status: 'pending', parent_id: 'TASK-0001' }),
    ]);
    expect(second).toMatchObject({ priority: 'P2', assigned_to: 'Scribe', status: 'pending' });
    expect(third).toMatchObject({ priority: 'P1', status: 'failed' });
  });

  it('filters top-level tasks by status, assignee (any case) and priority', async () => {
    const ids = async (query: string) =>
      (await api(t.url, `/api/tasks?${query}`)).body.tasks.map((task: { id: string }) => task.id);
    expect(await ids('status=in_progress')).toEqual(['TASK-0001']);
    expect(await ids('assigned_to=scribe')).toEqual(['TASK-0002']);
    expect(await ids('priority=p1')).toEqual(['TASK-0003']);
    expect(await ids('status=completed')).toEqual([]);
    expect(await ids('status=pending&priority=P2&assigned_to=SCRIBE')).toEqual(['TASK-0002']);
  });

  it.each(['status=%3Cscript%3E', `priority=${'x'.repeat(40)}`, 'assigned_to=..%2F..'])(
    'rejects the bad filter %s with 400',
    async (query) => {
      const { status, body } = await api(t.url, `/api/tasks?${query}`);
      expect(status).toBe(400);
      expect(body.details[0].field).toBe(query.split('=')[0]);
    },
  );

  it('lists active work from the queue and from agents, without repeats', async () => {
    const { body } = await api(t.url, '/api/tasks/active');
    expect(body.active_tasks).toEqual([
      {
        agent: 'forge',
        task: 'Build File Watcher API',
        task_id: 'TASK-0001',
        status: 'in_progress',
        priority: 'P0',
        source: 'task_queue',
      },
      {
        agent: 'forge',
        task: 'Design dashboard UI',
        task_id: null,
        status: 'in_progress',
        priority: null,
        source: 'agent_state',
      },
      {
        agent: 'scribe',
        task: 'Draft launch post',
        task_id: null,
        status: 'in_progress',
        priority: null,
        source: 'agent_state',
      },
      {
        agent: 'scribe',
        task: 'Edit newsletter',
        task_id: null,
        status: 'in_progress',
        priority: null,
        source: 'agent_state',
      },
    ]);
  });

  it('falls back to TASK_QUEUE.md when TASK_QUEUE.json goes away', async () => {
    await rm(join(t.mc, 'TASK_QUEUE.json'));
    const body = await waitFor(async () => {
      const res = (await api(t.url, '/api/tasks')).body;
      return res.source === 'TASK_QUEUE.md' && res;
    });
    expect(body.tasks.map((task: { id: string; status: string }) => [task.id, task.status])).toEqual([
      ['11', 'in_progress'],
      ['1', 'completed'],
      ['2', 'completed'],
      [expect.stringMatching(/^md-[0-9a-f]{8}$/), 'pending'],
      [expect.stringMatching(/^md-[0-9a-f]{8}$/), 'completed'],
    ]);
    expect(body.tasks[0]).toMatchObject({
      text: 'Publish weekly report',
      assigned_to: 'scribe',
      priority: 'P1',
      raw_status: '🔵 IN PROGRESS',
    });
    expect(body.tasks[1]).toMatchObject({ assigned_to: 'Nexus', completed_at: expect.any(String) });
    expect(body.tasks[3]).toMatchObject({
      text: 'Rotate API keys @watchtower P0',
      assigned_to: 'watchtower',
      priority: 'P0',
    });
    expect(body.tasks[3].subtasks).toEqual([
      expect.objectContaining({ text: 'Generate new keys', status: 'completed' }),
    ]);
  });
});
