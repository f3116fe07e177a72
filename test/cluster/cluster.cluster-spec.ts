import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, holdsFor, waitFor } from '../support/app-harness';
import { TestSocket } from '../support/ws-client';
import { createDatabase, dropDatabase, psql } from '../support/test-database';
import { ADMIN_URL, Cluster, redis, startRedis, stopRedis, streamEntries } from './cluster-harness';

/** The agent_activity messages of events this test posted, as a client saw them. */
const activity = (socket: TestSocket, agent: string) =>
  socket.messages
    .filter((m) => m.type === 'agent_activity' && m.data.agent === agent)
    .map((m) => ({ seq: m.seq as number, n: m.data.activity.n as number }));

/** The broadcasts a client received (not welcome or resumed, which carry a seq too), in arrival order. */
const broadcasts = (socket: TestSocket) =>
  socket.messages.filter((m) => m.source === 'mission-control' && typeof m.seq === 'number');
/** Their seqs: consecutive when nothing was missed. */
const seqs = (socket: TestSocket) => broadcasts(socket).map((m) => m.seq as number);

function expectGapFree(list: number[]): void {
  expect(list.length).toBeGreaterThan(0);
  const gaps = list.slice(1).filter((seq, i) => seq !== list[i] + 1);
  expect(gaps).toEqual([]);
}

async function post(url: string, agent: string, n: number): Promise<number> {
  const { status } = await api(url, '/api/events', {
    method: 'POST',
    json: { event_type: 'message_sent', agent_id: agent, data: { n } },
  });
  return status;
}

describe('Cluster mode: three instances on one PostgreSQL and one Redis', () => {
  let cluster: Cluster;
  const sockets: TestSocket[] = [];

  // Each test on a cluster of its own, so that any one runs alone (-t) as it runs after the others.
  beforeEach(async () => {
    cluster = await Cluster.create({ MC_METRICS_INTERVAL: '1' });
    await cluster.start('a', 'b', 'c');
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await cluster?.close();
  });

  const open = async (id: string) => {
    const socket = await TestSocket.open(cluster.get(id).wsUrl);
    sockets.push(socket);
    return socket;
  };

  it('elects exactly one leader, and every instance lists the three members', async () => {
    const leader = await cluster.leader();
    expect(['a', 'b', 'c']).toContain(leader);
    const health = await cluster.health('b');
    expect(health.cluster.members.map((m: { id: string }) => m.id)).toEqual(['a', 'b', 'c']);
    expect(health.cluster.bus).toMatchObject({ up: true });
    expect(health.services.bus).toMatchObject({ status: 'up' });
    const welcomes = await Promise.all(
      ['a', 'b', 'c'].map(async (id) => (await (await open(id)).next((m) => m.type === 'welcome')).server_id),
    );
    // One epoch for the whole cluster.
    expect(new Set(welcomes).size).toBe(1);
  });

  it('delivers an event posted to B to the clients of A, B and C; 1,000 posted round-robin arrive everywhere in one order with a gap-free seq', async () => {
    const clients = await Promise.all(['a', 'b', 'c'].map((id) => open(id)));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'welcome')));
    expect(await post(cluster.get('b').url, 'one', 1)).toBe(201);
    for (const c of clients) await c.next((m) => m.type === 'agent_activity' && m.data.agent === 'one', 5_000);

    const ids = ['a', 'b', 'c'];
    for (let i = 0; i < 1000; i += 50) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, j) => post(cluster.get(ids[(i + j) % 3]).url, 'round', i + j)),
      );
      expect(statuses.every((s) => s === 201)).toBe(true);
    }
    await waitFor(
      async () => clients.every((c) => activity(c, 'round').length >= 1000),
      30_000,
      'every client to receive the 1,000 events',
    );
    const orders = clients.map((c) => activity(c, 'round'));
    for (const order of orders) {
      expect(order).toHaveLength(1000);
      expect(new Set(order.map((m) => m.n)).size).toBe(1000);
      expect(order).toEqual(orders[0]);
    }
    for (const c of clients) expectGapFree(seqs(c));
  });

  it('broadcasts what the leader, the one instance that watches the workspace, finds there once to the clients of all', async () => {
    const clients = await Promise.all(['a', 'b', 'c'].map((id) => open(id)));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'welcome')));
    const file = join(cluster.workspace, 'mission-control', 'agents', 'forge', 'state.json');
    const state = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...state, current_task: { description: 'cluster-watch-marker' } }));
    const marked = (c: TestSocket) =>
      c.messages.filter(
        (m) =>
          m.type === 'agent_status' &&
          m.data.agent === 'forge' &&
          JSON.stringify(m.data).includes('cluster-watch-marker'),
      );
    await waitFor(async () => clients.every((c) => marked(c).length > 0), 10_000, 'the change at every client');
    // Anything said twice would arrive within this window.
    await holdsFor(async () => clients.every((c) => marked(c).length === 1), 2_000, 'one message per client');
    expect(new Set(clients.map((c) => marked(c)[0].seq)).size).toBe(1);
  });

  it('resumes on C a client that was on A, with no gap and no duplicate; after FLUSHALL, resync_required', async () => {
    const onA = await open('a');
    const welcome = await onA.next((m) => m.type === 'welcome');
    await post(cluster.get('a').url, 'resume', 0);
    await onA.next((m) => m.type === 'agent_activity' && m.data.agent === 'resume', 5_000);
    const last = Math.max(...seqs(onA));
    onA.close();
    for (let n = 1; n <= 50; n++) expect(await post(cluster.get(['a', 'b', 'c'][n % 3]).url, 'resume', n)).toBe(201);

    const onC = await open('c');
    const cWelcome = await onC.next((m) => m.type === 'welcome');
    onC.send({ type: 'resume', server_id: welcome.server_id, since: last });
    const resumed = await onC.next((m) => m.type === 'resumed', 5_000);
    const replayed = broadcasts(onC).filter((m) => m.seq <= cWelcome.seq);
    expect(replayed[0].seq).toBe(last + 1);
    expectGapFree(replayed.map((m) => m.seq));
    expect(replayed.at(-1).seq).toBe(cWelcome.seq);
    expect(
      activity(onC, 'resume')
        .map((m) => m.n)
        .filter((n, i, all) => all.indexOf(n) !== i),
    ).toEqual([]);
    expect(
      activity(onC, 'resume')
        .map((m) => m.n)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(resumed.seq).toBeGreaterThanOrEqual(cWelcome.seq);

    // An instance started since never had those messages in its own buffer: the bus replays them.
    const [d] = await cluster.start('d');
    const onD = await TestSocket.open(d.wsUrl);
    sockets.push(onD);
    const dWelcome = await onD.next((m) => m.type === 'welcome');
    onD.send({ type: 'resume', server_id: welcome.server_id, since: last });
    await onD.next((m) => m.type === 'resumed', 5_000);
    const fromBus = broadcasts(onD).filter((m) => m.seq <= dWelcome.seq);
    expect(fromBus[0].seq).toBe(last + 1);
    expectGapFree(fromBus.map((m) => m.seq));
    expect(fromBus.at(-1).seq).toBe(dWelcome.seq);
    expect(
      activity(onD, 'resume')
        .map((m) => m.n)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    redis('FLUSHALL');
    // Each instance notices the lost epoch at its next idle read of the bus (under a second): its welcome names a new one.
    const again = await waitFor(
      async () => {
        const probe = await open('b');
        if ((await probe.next((m) => m.type === 'welcome')).server_id !== welcome.server_id) return probe;
        probe.close();
      },
      10_000,
      'B to welcome under a new epoch',
    );
    again.send({ type: 'resume', server_id: welcome.server_id, since: last });
    const answer = await again.next((m) => m.type === 'resync_required' || m.type === 'resumed', 5_000);
    expect(answer.type).toBe('resync_required');
    expect(answer.server_id).not.toBe(welcome.server_id);
  });

  it('collects every 1-second slot exactly once, none missing while a leader leads; after SIGKILL of the leader another leads (within 10x the 10 s promised) and collection goes on with no duplicate slot', async () => {
    const claimed = () =>
      cluster
        .query(`SELECT "instance", "slot" FROM "scheduled_runs" WHERE "job" = 'metrics-collection' ORDER BY "slot"`)
        .map((row) => {
          const [instance, slot] = row.split('|');
          return { instance, second: Date.parse(slot) / 1000 };
        });
    const collected = () =>
      cluster.query(`SELECT substr("timestamp", 1, 19) FROM "system_metrics" ORDER BY "timestamp"`);
    const leader = await cluster.leader();
    await waitFor(
      async () => claimed().filter((c) => c.instance === leader).length >= 5,
      20_000,
      'collections by the leader',
    );
    const killedAt = Date.now();
    await cluster.kill(leader);
    const rest = ['a', 'b', 'c'].filter((id) => id !== leader);
    const next = await cluster.leader(rest, 100_000);
    expect(rest).toContain(next);
    expect(Date.now() - killedAt).toBeLessThan(100_000);
    await waitFor(
      async () => claimed().filter((c) => c.instance === next).length >= 5,
      20_000,
      'collections by the new leader',
    );
    const slots = claimed();
    // Each slot claimed once; each leader's, from its first to its last, one a second with none missing.
    expect(new Set(slots.map((c) => c.second)).size).toBe(slots.length);
    for (const id of [leader, next]) {
      const own = slots.filter((c) => c.instance === id).map((c) => c.second);
      expect(own.slice(1).filter((second, i) => second !== own[i] + 1)).toEqual([]);
    }
    // Only the failover leaves a gap, and the new leader's slots come after the old one's.
    const last = Math.max(...slots.filter((c) => c.instance === leader).map((c) => c.second));
    expect(Math.min(...slots.filter((c) => c.instance === next).map((c) => c.second))).toBeGreaterThan(last);
    // Each claimed slot one collection: no second collected twice.
    const all = collected();
    expect(new Set(all).size).toBe(all.length);
    expect(slots.length).toBeGreaterThanOrEqual(all.length);
  });

  it('loses no acknowledged event when an instance is SIGKILLed in the middle of a 5,000-event load: each is stored once and reached the clients of the others', async () => {
    const leader = await cluster.leader();
    const ids = [...cluster.instances.keys()];
    const victim = ids.find((id) => id !== leader) as string;
    const survivors = ids.filter((id) => id !== victim);
    const clients = await Promise.all(survivors.map((id) => open(id)));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'welcome')));

    const acknowledged: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 5000) {
        const n = next++;
        const target = ids[n % ids.length];
        const url = cluster.instances.get(target)?.url;
        if (!url) continue;
        const status = await post(url, 'load', n).catch(() => 0);
        if (status === 201) acknowledged.push(n);
      }
    };
    const load = Promise.all(Array.from({ length: 20 }, worker));
    await waitFor(async () => next >= 2000, 30_000, '2,000 events sent');
    await cluster.kill(victim);
    await load;
    expect(acknowledged.length).toBeGreaterThan(3000);

    const stored = cluster
      .query(`SELECT "data" FROM "events" WHERE "agent_id" = 'load'`)
      .map((d) => JSON.parse(d).n as number);
    const counts = new Map<number, number>();
    for (const n of stored) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.values()].filter((c) => c > 1)).toEqual([]);
    expect(acknowledged.filter((n) => !counts.has(n))).toEqual([]);
    await waitFor(
      async () => clients.every((c) => acknowledged.every((n) => activity(c, 'load').some((m) => m.n === n))),
      15_000,
      'every acknowledged event at every surviving client',
    );
    for (const c of clients) {
      const seen = activity(c, 'load').map((m) => m.n);
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('keeps committing while Redis is down for 5 s, and broadcasts every acknowledged event once when it is back, those of an instance killed meanwhile included', async () => {
    await cluster.start('e');
    const leader = await cluster.leader();
    const victim = [...cluster.instances.keys()].find((id) => id !== leader) as string;
    stopRedis();
    const acknowledged: number[] = [];
    const started = Date.now();
    let killed = false;
    try {
      for (let n = 0; Date.now() - started < 5_000; n++) {
        // Halfway, an instance dies with broadcasts Redis never took: its outbox rows remain.
        if (!killed && Date.now() - started > 2_500) {
          await cluster.kill(victim);
          killed = true;
        }
        const live = [...cluster.instances.keys()];
        expect(await post(cluster.get(live[n % live.length]).url, 'outage', n)).toBe(201);
        acknowledged.push(n);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await cluster.health(leader)).services.bus.status).toBe('down');
    } finally {
      await startRedis();
    }
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThan(50);
    expect(cluster.query(`SELECT COUNT(*) FROM "events" WHERE "agent_id" = 'outage'`)).toEqual([
      String(acknowledged.length),
    ]);
    const broadcast = async () =>
      (await streamEntries())
        .filter((e) => e.envelope.type === 'agent_activity' && e.envelope.data.agent === 'outage')
        .map((e) => e.envelope.data.activity.n as number);
    // The live instances send theirs as soon as Redis is back; the leader sweeps the dead one's after 10 s.
    await waitFor(
      async () => (await broadcast()).length >= acknowledged.length,
      40_000,
      'every acknowledged event of the outage on the bus',
    );
    // A second sweep of the outbox (every 5 s) appends nothing again.
    await holdsFor(async () => (await broadcast()).length === acknowledged.length, 6_000, 'no event broadcast twice');
    const seen = await broadcast();
    expect(seen.slice().sort((x, y) => x - y)).toEqual(acknowledged);
    await waitFor(
      async () => (await cluster.health(leader)).services.bus.status === 'up',
      10_000,
      'the bus to be up again',
    );
    // Swept: nothing is left waiting once the bus has everything.
    await waitFor(
      async () => cluster.query(`SELECT COUNT(*) FROM "events_outbox"`)[0] === '0',
      30_000,
      'the outbox to be empty',
    );
  });

  it('makes a full backup in PostgreSQL mode that the command line restores into an empty database with the same row counts', async () => {
    const events = Array.from({ length: 1000 }, (_, n) => ({
      event_type: 'message_sent',
      agent_id: 'backup',
      data: { n },
    }));
    for (let i = 0; i < 6; i++)
      expect(
        (await api(cluster.get(['a', 'b', 'c'][i % 3]).url, '/api/events/batch', { method: 'POST', json: { events } }))
          .status,
      ).toBe(201);
    await cluster.stopAll();
    const made = await cluster.cli(['backup']);
    expect(made.code).toBe(0);
    const id = made.output.match(/Backup (\S+) made and verified/)?.[1] as string;
    expect(id).toBeDefined();

    const name = `${new URL(cluster.databaseUrl).pathname.slice(1)}_restored`;
    const empty = createDatabase(ADMIN_URL, name);
    try {
      const restored = await cluster.cli(['restore', id, '--with-database'], empty);
      expect(restored).toMatchObject({ code: 0, output: expect.stringContaining(`restored from backup ${id}`) });
      // Every table but backups, which records the backup itself after its dump (and so does the event log).
      const tables = [
        `events WHERE "event_type" <> 'backup_completed'`,
        'agent_metrics',
        'system_metrics',
        'agent_metrics_hourly',
        'system_metrics_hourly',
        'alerts',
        'alert_rules',
        'webhook_channels',
        'notification_outbox',
      ];
      const counts = (url: string) =>
        tables.map((t) => `${t} ${psql(url, `SELECT COUNT(*) FROM ${t.replace(/^\w+/, '"$&"')}`).trim()}`);
      expect(counts(empty)).toEqual(counts(cluster.databaseUrl));
      expect(Number(psql(empty, 'SELECT COUNT(*) FROM "events"'))).toBeGreaterThan(5000);
    } finally {
      dropDatabase(ADMIN_URL, name);
    }
  });
});

describe("Cluster mode: followers serve the leader's view of the workspace and OpenClaw", () => {
  let cluster: Cluster;
  /** Same on every instance: followers that serve the leader's view answer these as it does. */
  const VIEWS = ['/api/agents', '/api/tasks', '/api/sessions', '/api/usage?group_by=agent', '/api/usage?group_by=day'];
  const same = async (a: string, b: string) => {
    for (const path of VIEWS) {
      const [x, y] = await Promise.all([api(cluster.get(a).url, path), api(cluster.get(b).url, path)]);
      if (JSON.stringify(x.body) !== JSON.stringify(y.body)) return undefined;
    }
    return true;
  };

  beforeAll(async () => {
    cluster = await Cluster.create({ MC_OPENCLAW: 'on', MC_OPENCLAW_POLL: '0.5' });
    const home = join(cluster.base, 'openclaw-home');
    await cp(join(__dirname, '..', 'fixtures', 'openclaw', 'home-sqlite'), home, { recursive: true });
    await cluster.startOne('lead', { MC_OPENCLAW_HOME: home });
    await cluster.leader(['lead']);
    // Folders of its own that do not exist: all it serves must come from the leader.
    const nowhere = join(cluster.base, 'nowhere');
    await cluster.startOne('follower', { MC_WORKSPACE: nowhere, MC_OPENCLAW_HOME: nowhere });
    // And one that sees the same OpenClaw home, as instances on shared storage do: it reads transcripts there on request.
    await cluster.startOne('sharing', { MC_OPENCLAW_HOME: home });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('answers on a follower that reads no file what the leader answers, agents, tasks, sessions and usage, and follows changes within seconds', async () => {
    await waitFor(
      async () => (await api(cluster.get('lead').url, '/api/sessions')).body.sessions.length > 0 || undefined,
      10_000,
      "the leader's sessions",
    );
    await waitFor(() => same('lead', 'follower'), 10_000, "the follower to serve the leader's view");
    const { body: agents } = await api(cluster.get('follower').url, '/api/agents');
    for (const source of ['openclaw', 'workspace'])
      expect(agents.agents.some((a: { sources: string[] }) => a.sources.includes(source))).toBe(true);
    const health = await cluster.health('follower');
    expect(health.instance.role).toBe('follower');
    expect(health.services.workspace).toMatchObject({ status: 'up', watching: true });
    expect(health.services.openclaw).toMatchObject({ status: 'up', state: 'ok' });

    // Its OpenClaw home is not the leader's: a session's transcript cannot be read there, and it says so.
    const session = (await api(cluster.get('follower').url, '/api/sessions')).body.sessions[0];
    const unreadable = await api(
      cluster.get('follower').url,
      `/api/sessions/${encodeURIComponent(session.key)}/transcript`,
    );
    expect(unreadable.status).toBe(503);
    expect(unreadable.body).toMatchObject({
      agent_id: session.agent_id,
      error: expect.stringContaining(`OpenClaw's records of agent ${session.agent_id} cannot be read now`),
    });

    const folder = join(cluster.workspace, 'mission-control', 'agents', 'newcomer');
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'state.json'),
      JSON.stringify({ status: 'active', current_task: { description: 'joined late' } }),
    );
    await waitFor(
      async () => (await api(cluster.get('follower').url, '/api/agents/newcomer')).status === 200 || undefined,
      10_000,
      'the new agent on the follower',
    );
  });

  it("reads a session's runs and transcript on request on a follower that sees the same OpenClaw home", async () => {
    await waitFor(() => same('lead', 'sharing'), 10_000, "the second follower to serve the leader's view");
    const { body } = await api(cluster.get('sharing').url, '/api/sessions');
    const key = encodeURIComponent(body.sessions[0].key);
    for (const path of [`/api/sessions/${key}`, `/api/sessions/${key}/transcript`]) {
      const [lead, sharing] = await Promise.all([
        api(cluster.get('lead').url, path),
        api(cluster.get('sharing').url, path),
      ]);
      expect(sharing.status).toBe(200);
      expect(sharing.body).toEqual(lead.body);
    }
    const transcript = (await api(cluster.get('sharing').url, `/api/sessions/${key}/transcript`)).body;
    expect(transcript.messages.length).toBeGreaterThan(0);
    await cluster.get('sharing').process.stop();
    cluster.instances.delete('sharing');
  });

  it('keeps its last view when what Redis holds is not a view, and takes the next good one', async () => {
    await waitFor(() => same('lead', 'follower'), 10_000, "the follower to serve the leader's view");
    const before = (await api(cluster.get('follower').url, '/api/agents')).body;
    const good = redis('HGET', '{mc}:view', 'body');
    redis('HSET', '{mc}:view', 'version', 'not-a-view', 'body', '{"workspace": 1}');
    await waitFor(
      async () => /is not one this version reads/.test(cluster.get('follower').process.output()) || undefined,
      5_000,
      'the follower to refuse it',
    );
    expect((await api(cluster.get('follower').url, '/api/agents')).body).toEqual(before);
    // Well formed but for a store layout that names a path, not an agent: refused whole.
    const view = JSON.parse(good);
    view.workspace.agents.push({ ...view.workspace.agents[0], id: 'intruder' });
    view.openclaw.layouts.push(['../../elsewhere', 'sqlite']);
    redis('HSET', '{mc}:view', 'version', 'a-path', 'body', JSON.stringify(view));
    // It would be adopted within half a second (before the leader's next share), if it were.
    await holdsFor(
      async () => (await api(cluster.get('follower').url, '/api/agents/intruder')).status === 404,
      1_500,
      'the intruder refused',
    );
    const folder = join(cluster.workspace, 'mission-control', 'agents', 'latecomer');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'state.json'), JSON.stringify({ status: 'idle' }));
    await waitFor(
      async () => (await api(cluster.get('follower').url, '/api/agents/latecomer')).status === 200 || undefined,
      10_000,
      'the next view on the follower',
    );
    // A Redis that lost the view (a restart without persistence) has it again within the leader's 5-second check, unchanged.
    redis('DEL', '{mc}:view');
    await waitFor(
      async () => redis('HEXISTS', '{mc}:view', 'body') === '1' || undefined,
      8_000,
      'the view written again',
    );
  });

  it('opens an alert once, on the leader, for a rule made on a follower and events posted to it; an acknowledgement made there survives the resolution', async () => {
    const follower = cluster.get('follower').url;
    const lead = cluster.get('lead').url;
    const created = await api(follower, '/api/alerts/rules', {
      method: 'POST',
      json: {
        name: 'Cluster alarms',
        kind: 'event_count',
        params: { event_type: 'cluster_alarm', at_least: 3, window_minutes: 5 },
        cooldown_minutes: 0,
      },
    });
    expect(created.status).toBe(201);
    const rule = created.body.id;
    // Every instance answers with the rule at once.
    expect((await api(lead, `/api/alerts/rules/${rule}`)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect(
        (await api(follower, '/api/events', { method: 'POST', json: { event_type: 'cluster_alarm', data: { i } } }))
          .status,
      ).toBe(201);
    const alertsOf = async (url: string) => (await api(url, `/api/alerts?rule_id=${rule}`)).body.alerts;
    const [alert] = await waitFor(
      async () => ((await alertsOf(follower)).length ? alertsOf(follower) : undefined),
      15_000,
      'the alert',
    );
    expect(alert).toMatchObject({ state: 'firing', value: 3 });
    const acked = await api(follower, `/api/alerts/${alert.id}/ack`, {
      method: 'POST',
      json: { by: 'ops', note: 'on it' },
    });
    expect(acked.status).toBe(200);
    // Disabled on the follower: the leader resolves the alert, and keeps who acknowledged it.
    expect(
      (await api(follower, `/api/alerts/rules/${rule}`, { method: 'PATCH', json: { enabled: false } })).status,
    ).toBe(200);
    await waitFor(async () => (await alertsOf(lead))[0].state === 'resolved' || undefined, 15_000, 'the resolution');
    const alerts = await alertsOf(lead);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'resolved', acked_by: 'ops', ack_note: 'on it' });
    // Opened and resolved once, by one instance: two rows of the event log, not one per instance.
    const logged = cluster.query(
      `SELECT "event_type" FROM "events" WHERE "event_type" LIKE 'alert_%' AND "data" LIKE '%${rule}%' ORDER BY "id"`,
    );
    expect(logged).toEqual(['alert_fired', 'alert_acked', 'alert_resolved']);
  });

  it('reads its own folders once it leads: after SIGKILL of the leader, the follower leads (within 10x the 10 s promised) and serves what it finds itself', async () => {
    // The one follower left, whatever ran before: the other would be as likely to lead.
    if (cluster.instances.has('sharing')) {
      await cluster.get('sharing').process.stop();
      cluster.instances.delete('sharing');
    }
    await waitFor(() => same('lead', 'follower'), 10_000, "the follower to serve the leader's view");
    expect((await api(cluster.get('follower').url, '/api/agents')).body.agents.length).toBeGreaterThan(0);
    await cluster.kill('lead');
    await cluster.leader(['follower'], 100_000);
    // Its own folders are empty: what it served before came from the leader, what it serves now from them.
    await waitFor(
      async () => (await api(cluster.get('follower').url, '/api/agents')).body.agents.length === 0 || undefined,
      10_000,
      'the follower to serve its own (empty) folders',
    );
    expect((await cluster.health('follower')).services.openclaw).toMatchObject({ state: 'not found' });
  });
});
