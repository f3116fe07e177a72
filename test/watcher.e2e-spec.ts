import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DomainEvent } from '../src/contracts/domain-events';
import { api, holdsFor, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { TestSocket } from './support/ws-client';

const agent = async (t: TestApp, id: string) => (await api(t.url, `/api/agents/${id}`)).body;

describe('Workspace watcher', () => {
  let t: TestApp;
  const seen: { name: string; payload: any }[] = [];

  beforeAll(async () => {
    t = await startApp({ env: { MC_STALE_MINUTES: '15' } });
    const emitter = t.app.get(EventEmitter2);
    for (const name of Object.values(DomainEvent)) emitter.on(name, (payload: unknown) => seen.push({ name, payload }));
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('shows a rewritten state file in the API and on the gateway within a second of the write, and emits agent.updated', async () => {
    const socket = await TestSocket.open(t.wsUrl);
    try {
      // A first message ends the hold a new client's broadcasts wait under (up to 0.5 s), which is no part of the watcher's delay.
      socket.send({ type: 'ping' });
      await socket.next((m) => m.type === 'pong');
      const from = socket.messages.length;
      const writing = Date.now();
      await writeFile(
        join(t.mc, 'agents', 'forge', 'state.json'),
        JSON.stringify({ agent: 'forge', status: 'idle', lastActive: new Date().toISOString() }),
      );
      await socket.next(
        (m) => m.type === 'agent_status' && m.data.agent === 'forge' && m.data.state.raw_status === 'idle',
        5000,
        from,
      );
      // The gateway broadcasts after the API's view has changed, so this bounds both.
      const delay = Date.now() - writing;
      expect(delay).toBeLessThan(1000);
      expect(await agent(t, 'forge')).toMatchObject({ status: 'idle', raw_status: 'idle' });
      const event = seen.find(
        (e) =>
          e.name === DomainEvent.AgentUpdated && e.payload.agent.id === 'forge' && e.payload.agent.status === 'idle',
      );
      expect(event?.payload.previous.id).toBe('forge');
    } finally {
      socket.close();
    }
  });

  it('keeps the last good state when a file is half-written, and recovers when it is whole', async () => {
    const file = join(t.mc, 'agents', 'forge', 'state.json');
    await writeFile(file, JSON.stringify({ agent: 'forge', status: 'busy', lastActive: new Date().toISOString() }));
    await waitFor(async () => (await agent(t, 'forge')).raw_status === 'busy');
    await writeFile(file, '{"agent": "forge", "status": "err');
    // Longer than the second a change takes to show, so a reading of the bad file would have shown.
    await holdsFor(async () => (await agent(t, 'forge')).raw_status === 'busy', 1500, 'the last good state');
    await writeFile(file, JSON.stringify({ agent: 'forge', status: 'crashed', lastActive: new Date().toISOString() }));
    const recovered = await waitFor(
      async () => (await agent(t, 'forge')).raw_status === 'crashed' && (await agent(t, 'forge')),
    );
    expect(recovered.status).toBe('error');
  });

  it('refuses a state file over 4 MiB, keeping the last good state, and reads one of exactly 4 MiB', async () => {
    const file = join(t.mc, 'agents', 'forge', 'state.json');
    /** A valid state file of exactly `bytes` bytes. */
    const sized = (status: string, bytes: number) => {
      const bare = JSON.stringify({ agent: 'forge', status, lastActive: new Date().toISOString(), padding: '' });
      return bare.replace('"padding":""', `"padding":"${'x'.repeat(bytes - bare.length)}"`);
    };
    await writeFile(file, sized('busy', 100));
    await waitFor(async () => (await agent(t, 'forge')).raw_status === 'busy');
    const over = sized('blocked', 4 * 1024 * 1024 + 1);
    expect(over.length).toBe(4 * 1024 * 1024 + 1);
    await writeFile(file, over);
    await holdsFor(async () => (await agent(t, 'forge')).raw_status === 'busy', 1500, 'the last good state');
    await writeFile(file, sized('standby', 4 * 1024 * 1024));
    await waitFor(async () => (await agent(t, 'forge')).raw_status === 'standby', 3000, 'the 4 MiB file to be read');
    expect(seen.some((e) => e.name === DomainEvent.AgentUpdated && e.payload.agent.raw_status === 'blocked')).toBe(
      false,
    );
  });

  it('picks up a new agent written atomically (temp file, then rename)', async () => {
    const dir = join(t.mc, 'agents', 'newcomer');
    await mkdir(dir);
    await writeFile(
      join(dir, '.state.json.tmp'),
      JSON.stringify({ name: 'Newcomer', status: 'standby', last_active: new Date().toISOString() }),
    );
    await rename(join(dir, '.state.json.tmp'), join(dir, 'state.json'));
    const created = await waitFor(
      async () => (await agent(t, 'newcomer')).name === 'Newcomer' && (await agent(t, 'newcomer')),
    );
    expect(created.status).toBe('idle');
  });

  it('removes an agent whose folder is deleted, and emits agent.removed', async () => {
    await rm(join(t.mc, 'agents', 'newcomer'), { recursive: true });
    await waitFor(async () => (await api(t.url, '/api/agents/newcomer')).status === 404);
    expect(seen.some((e) => e.name === DomainEvent.AgentRemoved && e.payload.agent.id === 'newcomer')).toBe(true);
  });

  it('emits office.updated with positions in both forms, and tasks.updated with what changed', async () => {
    await writeFile(
      join(t.mc, 'current_office_state.json'),
      '{"hour": 09, "positions": {"forge": "kitchen", "scribe": {"x": 10, "y": 20, "zone": "desk"}}}',
    );
    const office = await waitFor(async () =>
      seen.find((e) => e.name === DomainEvent.OfficeUpdated && e.payload.office.raw.hour === 9),
    );
    expect(office.payload.office.positions).toEqual({
      forge: { zone: 'kitchen', x: null, y: null },
      scribe: { zone: 'desk', x: 10, y: 20 },
    });

    await writeFile(
      join(t.mc, 'TASK_QUEUE.json'),
      JSON.stringify({
        tasks: [
          { id: 'TASK-0002', description: 'Write launch post', status: 'completed' },
          { id: 'TASK-0009', description: 'New one' },
        ],
      }),
    );
    const tasks = await waitFor(async () => seen.find((e) => e.name === DomainEvent.TasksUpdated));
    expect(tasks.payload.added.map((task: { id: string }) => task.id)).toEqual(['TASK-0009']);
    expect(tasks.payload.updated.map((task: { id: string }) => task.id)).toEqual(['TASK-0002']);
    expect(tasks.payload.removed.map((task: { id: string }) => task.id)).toEqual(['TASK-0001', 'TASK-0003']);
  });

  it('turns an agent offline when it goes quiet longer than MC_STALE_MINUTES', async () => {
    const quiet = new Date(Date.now() - 16 * 60_000).toISOString();
    await writeFile(
      join(t.mc, 'agents', 'scribe', 'state.json'),
      JSON.stringify({ name: 'Scribe', status: 'working', last_active: quiet }),
    );
    const stale = await waitFor(
      async () => (await agent(t, 'scribe')).last_active === quiet && (await agent(t, 'scribe')),
    );
    expect(stale).toMatchObject({ status: 'offline', raw_status: 'working' });
  });
});

describe('A workspace that does not exist yet', () => {
  it('starts, reports degraded health, and picks the agents up when the folder appears', async () => {
    const root = await makeTempDir('mc-late-');
    const workspace = join(root, 'not-yet');
    const t = await startApp({ workspace });
    try {
      expect((await api(t.url, '/api/agents')).body.agents).toEqual([]);
      const health = await api(t.url, '/api/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.services.workspace.status).toBe('down');

      await mkdir(join(workspace, 'mission-control', 'agents', 'late'), { recursive: true });
      await writeFile(
        join(workspace, 'mission-control', 'agents', 'late', 'state.json'),
        JSON.stringify({ status: 'online', lastActive: new Date().toISOString() }),
      );
      const late = await waitFor(
        async () =>
          (await api(t.url, '/api/agents/late')).status === 200 && (await api(t.url, '/api/agents/late')).body,
        5000,
      );
      expect(late.status).toBe('active');
      await waitFor(async () => (await api(t.url, '/api/health')).body.status === 'healthy');
    } finally {
      await t.close();
      await removeDirs(root, t.dataDir);
    }
  });
});

describe('Staleness with the clock', () => {
  it('turns a quiet agent offline once MC_STALE_MINUTES pass, with no file change', async () => {
    const t = await startApp({ env: { MC_STALE_MINUTES: '0.02' } });
    try {
      await mkdir(join(t.mc, 'agents', 'sleepy'));
      await writeFile(
        join(t.mc, 'agents', 'sleepy', 'state.json'),
        JSON.stringify({ status: 'active', lastActive: new Date().toISOString() }),
      );
      await waitFor(async () => (await agent(t, 'sleepy')).status === 'active', 1000);
      await waitFor(async () => (await agent(t, 'sleepy')).status === 'offline', 4000);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

describe('The periodic rescan', () => {
  it('shows, within MC_RESCAN_INTERVAL, a change no file event reports', async () => {
    // The agent's state.json is a link to a file under logs/, which is not watched (and links are not
    // followed): writing that file changes what the agent reads while no watched path changes.
    // Laid out before the start, so no event of the set-up is still on its way.
    const workspace = await makeTempDir('mc-rescan-');
    const target = join(workspace, 'mission-control', 'logs', 'relay-state.json');
    const write = (status: string) =>
      writeFile(target, JSON.stringify({ name: 'Relay', status, lastActive: new Date().toISOString() }));
    await mkdir(join(workspace, 'mission-control', 'logs'), { recursive: true });
    await mkdir(join(workspace, 'mission-control', 'agents', 'relay'), { recursive: true });
    await write('busy');
    await symlink(
      join('..', '..', 'logs', 'relay-state.json'),
      join(workspace, 'mission-control', 'agents', 'relay', 'state.json'),
    );
    const t = await startApp({ workspace, env: { MC_RESCAN_INTERVAL: '4' } });
    try {
      const status = async () => (await api(t.url, '/api/agents/relay')).body.raw_status;
      expect(await status()).toBe('busy');

      // Shown by the next rescan: at most the interval, plus the watcher's 1 s tick, plus a margin.
      await write('idle');
      await waitFor(async () => (await status()) === 'idle', 6000, 'a rescan');
      // A rescan has just run: the next change waits for the one after, 4 s later; nothing shows it before.
      await write('crashed');
      await holdsFor(async () => (await status()) === 'idle', 2000, 'the state between rescans');
      await waitFor(async () => (await status()) === 'crashed', 6000, 'the next rescan');
    } finally {
      await t.close();
      await removeDirs(workspace, t.dataDir);
    }
  });
});
