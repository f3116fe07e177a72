import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, holdsFor, removeDirs, waitFor } from '../support/app-harness';
import { ServiceProcess, spawnService } from '../support/service-process';
import { makeFolders, RunningService, ServiceFolders, serviceEnv, startService } from './support/service';

const RULES = 30;
const ROUNDS = 3;
/** A refused start must come well within this (ts-node's start-up on a busy machine included). */
const REFUSED_WITHIN_MS = 90_000;

/** Waits for the child to end by itself within `ms`; otherwise SIGTERM, which must end it within 10 s. */
async function ending(child: ServiceProcess, ms: number): Promise<{ code: number | null; alone: boolean }> {
  const timeout = new Promise<null>((resolve) => setTimeout(resolve, ms, null).unref());
  const alone = await Promise.race([child.exited, timeout]);
  if (alone) return { code: alone.code, alone: true };
  child.child.kill('SIGTERM');
  const killed = await Promise.race([
    child.exited,
    new Promise<null>((resolve) => setTimeout(resolve, 10_000, null).unref()),
  ]);
  if (!killed) child.child.kill('SIGKILL');
  expect(killed).not.toBeNull();
  return { code: killed?.code ?? null, alone: false };
}

describe('Alert rules under hostile conditions', () => {
  let folders: ServiceFolders;
  let service: RunningService | undefined;

  beforeEach(async () => {
    folders = await makeFolders();
  });

  afterEach(async () => {
    await service?.process.stop();
    service = undefined;
    await removeDirs(folders.base);
  });

  /** The start must be refused, on its own and quickly, saying why. */
  async function refusedStart(file: string): Promise<string> {
    const child = spawnService('src/main.ts', [], serviceEnv(folders, { MC_ALERT_RULES: file }));
    const { code, alone } = await ending(child, REFUSED_WITHIN_MS);
    // The end of the output shows why, should the start not be refused.
    expect({ alone, code, output: child.output().slice(-1000) }).toMatchObject({ alone: true, code: 1 });
    return child.output();
  }

  it('a rule deleted while the deletion of its channel is being applied stays deleted: not listed, not editable, fires nothing', async () => {
    service = await startService(folders);
    const url = service.url;
    for (let round = 0; round < ROUNDS; round++) {
      const channel = (
        await api(url, '/api/notifications/webhooks', {
          method: 'POST',
          json: { name: `Race ${round}`, url: 'http://127.0.0.1:9/hook' },
        })
      ).body;
      const params = { event_type: `race_probe_${round}`, at_least: 1, window_minutes: 60 };
      const ids: string[] = [];
      for (let i = 0; i < RULES; i++) {
        const created = await api(url, '/api/alerts/rules', {
          method: 'POST',
          json: { name: `Race ${round}.${i}`, kind: 'event_count', params, channels: [channel.id] },
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }
      expect((await api(url, `/api/notifications/webhooks/${channel.id}`, { method: 'DELETE' })).status).toBe(200);
      const deleted = await Promise.all(ids.map((id) => api(url, `/api/alerts/rules/${id}`, { method: 'DELETE' })));
      expect(deleted.map((d) => d.status)).toEqual(ids.map(() => 200));

      // Over the time the channel's deletion takes to apply to 30 rules, and after.
      const listed = async () => (await api(url, '/api/alerts/rules')).body.rules.map((r: { id: string }) => r.id);
      await holdsFor(
        async () => !(await listed()).some((id: string) => ids.includes(id)),
        3000,
        'no deleted rule listed',
      );
      const patched = await Promise.all(
        ids.map((id) => api(url, `/api/alerts/rules/${id}`, { method: 'PATCH', json: { enabled: true } })),
      );
      expect(patched.map((p) => p.status)).toEqual(ids.map(() => 404));
      expect(
        (await api(url, '/api/events', { method: 'POST', json: { event_type: params.event_type, agent_id: 'forge' } }))
          .status,
      ).toBe(201);
      await holdsFor(
        async () =>
          (await api(url, '/api/alerts?state=firing&limit=200')).body.alerts.every(
            (a: { rule_id: string }) => !ids.includes(a.rule_id),
          ),
        2000,
        'no alert from a deleted rule',
      );
    }
  });

  it('refuses a FIFO as MC_ALERT_RULES at once, with a message, instead of waiting for a writer', async () => {
    const fifo = join(folders.base, 'rules.yaml');
    execFileSync('mkfifo', [fifo]);
    const output = await refusedStart(fifo);
    expect(output).toContain(
      `Mission Control could not start: MC_ALERT_RULES (${fifo}) is not a regular file (a FIFO)`,
    );
  });

  it.each(['/dev/urandom', '/dev/zero'])('refuses %s as MC_ALERT_RULES without reading it', async (device) => {
    const output = await refusedStart(device);
    expect(output).toContain(
      `Mission Control could not start: MC_ALERT_RULES (${device}) is not a regular file (a character device)`,
    );
  });

  it('refuses a rule file over 1 MiB before reading it', async () => {
    const big = join(folders.base, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(1024 * 1024)}\nrules: []\n`);
    expect(await refusedStart(big)).toContain(`MC_ALERT_RULES (${big}) cannot be read: it is over 1024 KiB`);
  });

  it('refuses an empty rule file instead of removing every file rule; "rules: []" removes them, naming each in the log', async () => {
    const file = join(folders.base, 'alerts.yaml');
    const rules = `channels:
  - { id: ops, name: Ops hook, url: "http://127.0.0.1:9/hook" }
rules:
  - { id: forge-offline, name: Forge offline, kind: agent_offline, params: { agent_id: forge, minutes: 10 }, channels: [ops] }
  - { id: errors, name: Many errors, kind: event_count, params: { event_type: error, at_least: 5, window_minutes: 15 } }
`;
    await writeFile(file, rules);
    service = await startService(folders, { MC_ALERT_RULES: file });
    const ruleIds = async () =>
      (await api(service!.url, '/api/alerts/rules')).body.rules.map((r: { id: string }) => r.id);
    expect(await ruleIds()).toEqual(['forge-offline', 'errors']);
    await service.process.stop();
    service = undefined;

    for (const empty of ['', '# nothing yet\n', '~\n', '{}\n']) {
      await writeFile(file, empty);
      const output = await refusedStart(file);
      expect(output).toContain(`Mission Control could not start: MC_ALERT_RULES (${file}) says nothing`);
      expect(output).toContain('"rules: []"');
    }

    await writeFile(file, 'rules: []\n');
    service = await startService(folders, { MC_ALERT_RULES: file });
    expect(await ruleIds()).toEqual([]);
    expect((await api(service.url, '/api/notifications/webhooks/ops')).status).toBe(404);
    const log = service.process.output();
    expect(log).toContain('removes 2 rules it no longer has: "Forge offline" (forge-offline), "Many errors" (errors)');
    expect(log).toContain('removes 1 channel it no longer has: "Ops hook" (ops)');
    await waitFor(async () => (await api(service!.url, '/api/health')).status === 200, 10_000, 'the service to answer');
  });
});
