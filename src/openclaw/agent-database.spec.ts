import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenClawHome } from '../demo/openclaw-generator';
import { AgentDatabase } from './agent-database';
import { SessionTracker } from './session-tracker';
import { parseTranscriptLine } from './transcript-line';

const PRICES = new Map([['anthropic/claude-sonnet-4-5', { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }]]);
const DAY = 86_400_000;

describe('AgentDatabase', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-agentdb-'));
    const home = await OpenClawHome.create(join(dir, 'home'), {
      agents: [{ id: 'atlas', layout: 'sqlite' }],
      configForm: 'list',
      json5: false,
      prices: { 'anthropic/claude-sonnet-4-5': PRICES.get('anthropic/claude-sonnet-4-5')! },
    });
    const start = Date.now() - 3 * DAY;
    for (let s = 0; s < 6; s++) {
      const session = home.addSession('atlas', { at: start + s * 3_600_000 });
      for (let r = 0; r < 5; r++) {
        const at = start + s * 3_600_000 + r * 0.6 * DAY;
        if (s === 2 && r === 4) home.addRun(session, { at, error: 'provider rejected the request' });
        else
          home.addRun(session, {
            at,
            tool: r === 1 ? { name: 'exec', result: r % 2 ? 'failed' : 'ok', isError: s % 2 === 0 } : undefined,
            answer: `answer ${r}`,
          });
      }
      // A minute ago: after every run above, and inside the bound on times (at most a day ahead).
      if (s === 5) home.startRun(session, { at: start + 3 * DAY - 60_000, text: 'still going' });
    }
    await home.flush();
    await home.close();
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('sums each session in SQLite on the first read exactly as counting its messages one by one does', async () => {
    const db = new AgentDatabase(
      'atlas',
      join(dir, 'home', 'agents', 'atlas', 'agent', 'openclaw-agent.sqlite'),
      join(dir, 'home'),
    );
    try {
      const changes = await db.poll(() => -1, PRICES);
      expect(changes.loaded.length).toBe(6);
      expect(changes.lines).toEqual([]);
      const now = Date.now();
      for (const meta of changes.metas) {
        const bulk = new SessionTracker(meta);
        for (const { aggregate } of changes.loaded.filter((l) => l.key === meta.key))
          bulk.load(aggregate.session_id, aggregate, PRICES);
        const oneByOne = new SessionTracker(meta);
        for (const { position, line } of await db.readLines(meta.sessionId, { limit: 10_000 })) {
          const message = parseTranscriptLine(line, PRICES);
          if (message) oneByOne.add(meta.sessionId, position, message);
          else oneByOne.counted.set(meta.sessionId, position);
        }
        const { cost_usd: bulkCost, ...bulkView } = bulk.view(now, 600_000);
        const { cost_usd: rowCost, ...rowView } = oneByOne.view(now, 600_000);
        expect(bulkView).toEqual(rowView);
        expect(bulkCost).toBeCloseTo(rowCost, 12);
        expect([...bulk.counted]).toEqual([...oneByOne.counted]);
        expect([bulk.toolCalls, bulk.toolErrors, bulk.inProgress, bulk.lastRunFailed]).toEqual([
          oneByOne.toolCalls,
          oneByOne.toolErrors,
          oneByOne.inProgress,
          oneByOne.lastRunFailed,
        ]);
        const days = (t: SessionTracker) =>
          [...t.buckets.values()].map((b) => [b.day, b.model, b.input_tokens, b.runs]).sort();
        expect(days(bulk)).toEqual(days(oneByOne));
      }
      // Nothing committed since: the next poll reads nothing.
      expect(await db.poll(() => -1, PRICES)).toEqual({ metas: [], loaded: [], lines: [], recount: new Set() });
    } finally {
      await db.close();
    }
  });
});
