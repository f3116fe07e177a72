import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, removeDirs, waitFor } from '../support/app-harness';
import { backupProblems, storedMarkers, temporaryLeftovers, treeDigest } from './support/crash-checks';
import { hostileSeed } from './support/seed';
import { makeFolders, RunningService, ServiceFolders, startService } from './support/service';

/** Enough data that a backup, a restore or an import lasts long enough to be killed in the middle. */
const LOG_FILES = 6;
const LOG_BYTES = 2 * 1024 * 1024;
const OPERATIONS = ['backup', 'restore', 'import'] as const;
const ROUNDS = 6;
const INGEST_BATCH = 50;

type Operation = (typeof OPERATIONS)[number];

/** Sends batches of events one after another until stopped; `acked` gets the markers of every batch answered 201. */
function ingest(url: string, type: string, acked: Set<string>): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let batch = 0; running; batch++) {
      const markers = Array.from({ length: INGEST_BATCH }, (_, i) => `${batch}-${i}`);
      const events = markers.map((marker) => ({ event_type: type, agent_id: 'forge', data: { marker } }));
      const answer = await api(url, '/api/events/batch', { method: 'POST', json: { events } }).catch(() => null);
      if (answer?.status === 201) for (const marker of markers) acked.add(marker);
      else if (answer) throw new Error(`ingestion answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      else return;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('SIGKILL during ingestion, backup, restore and import', () => {
  let folders: ServiceFolders;
  let service: RunningService;
  const verified = new Set<string>();
  /** Per round, the event type it ingested and the markers the service acknowledged. */
  const ingested: { type: string; acked: Set<string> }[] = [];

  const mc = () => join(folders.workspace, 'mission-control');
  const post = (path: string, json: unknown = {}) => api(service.url, path, { method: 'POST', json });

  /** A workspace state that differs from the other in every log file and in forge's state. */
  async function writeState(name: string): Promise<void> {
    await mkdir(join(mc(), 'logs'), { recursive: true });
    for (let i = 0; i < LOG_FILES; i++) await writeFile(join(mc(), 'logs', `run-${i}.log`), randomBytes(LOG_BYTES));
    await writeFile(
      join(mc(), 'agents', 'forge', 'state.json'),
      JSON.stringify({ agent: 'forge', status: 'active', state: name }),
    );
  }

  const upload = (file: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), 'exported.tar.gz');
    return api(service.url, '/api/backups/import', { method: 'POST', body: form });
  };

  /** After a start: nothing acknowledged is lost, every listed backup checks out and every backup file is listed, nothing temporary is left. */
  async function expectIntact(states: string[], rounds: typeof ingested): Promise<void> {
    expect(states).toContain(await treeDigest(mc()));
    expect(await temporaryLeftovers(folders)).toEqual([]);
    for (const { type, acked } of rounds) {
      const stored = await storedMarkers(service.url, type);
      expect([...acked].filter((marker) => !stored.has(marker))).toEqual([]);
    }
    // Archives found in the folder at start are checked in the background before they are listed.
    await waitFor(
      async () => (await backupProblems(service.url, folders.backupDir, verified)).length === 0,
      60_000,
      'every backup file listed and verified',
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\n${(await backupProblems(service.url, folders.backupDir, verified)).join('\n')}`,
      );
    });
  }

  beforeAll(async () => {
    folders = await makeFolders();
  });

  afterAll(async () => {
    await service?.process.stop();
    await removeDirs(folders?.base);
  });

  it(`leaves, after each of ${ROUNDS} kills at random moments, every acknowledged event, only whole backups, the old or the new workspace, and nothing temporary`, async () => {
    const seed = hostileSeed();
    service = await startService(folders);

    // Two workspace states, each in a full backup, and how long each operation takes when left alone.
    await writeState('B');
    const stateB = (await post('/api/backups', { type: 'full' })).body;
    const digestB = await treeDigest(mc());
    await writeState('A');
    let started = Date.now();
    const stateA = (await post('/api/backups', { type: 'full' })).body;
    const durations: Record<Operation, number> = { backup: Date.now() - started, restore: 0, import: 0 };
    const digestA = await treeDigest(mc());
    const exported = Buffer.from(await (await fetch(`${service.url}/api/backups/${stateA.id}/download`)).arrayBuffer());
    started = Date.now();
    expect((await post(`/api/backups/${stateB.id}/restore`)).status).toBe(200);
    durations.restore = Date.now() - started;
    expect(await treeDigest(mc())).toBe(digestB);
    started = Date.now();
    expect((await upload(exported)).status).toBe(201);
    durations.import = Date.now() - started;

    const run = (op: Operation, restoreTo: string) => {
      if (op === 'backup') return post('/api/backups', { type: 'full' });
      if (op === 'import') return upload(exported);
      return post(`/api/backups/${restoreTo}/restore`);
    };
    const report: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const op = OPERATIONS[round % OPERATIONS.length];
      // Anywhere from the start of the operation to a little past its usual end.
      const killAfter = fc.sample(fc.noBias(fc.integer({ min: 0, max: Math.round(durations[op] * 1.2) })), {
        seed: seed + 7_000_000 + round,
        numRuns: 1,
      })[0];
      const type = `hostile_ingest_${round}`;
      const acked = new Set<string>();
      ingested.push({ type, acked });
      // To whichever state the workspace is not in, so that a half-done restore would show.
      const restoreTo = (await treeDigest(mc())) === digestA ? stateB.id : stateA.id;
      const ingestion = ingest(service.url, type, acked);
      let answer = 'mid-way';
      const operation = run(op, restoreTo).then(
        (res) => (answer = `it had answered ${res.status}`),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, killAfter));
      service.process.child.kill('SIGKILL');
      await service.process.exited;
      await Promise.all([ingestion.stop(), operation]);
      report.push(`${op} killed after ${killAfter} ms (${answer}; ${acked.size} events acknowledged)`);
      expect(answer).not.toMatch(/answered 5/);

      service = await startService(folders);
      await expectIntact([digestA, digestB], [{ type, acked }]);
    }
    // Everything acknowledged in every round is still there after all the kills.
    await expectIntact([digestA, digestB], ingested);
    console.log(
      `SIGKILL rounds (HOSTILE_SEED=${seed}); usual durations ${JSON.stringify(durations)} ms:\n${report.join('\n')}`,
    );
  });
});
