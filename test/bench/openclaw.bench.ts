/**
 * npm run bench:openclaw — Mission Control's OpenClaw reader on a generated home in the real SQLite
 * layout: 20 agents × 1,000 sessions × 50 transcript rows (1M rows). Measures the first full read,
 * memory after it, and one incremental poll after 10 sessions get a turn each; then the same with the
 * history grown tenfold (10,000 sessions per agent, 10M rows). Baseline in the same run: the bare
 * SELECTs of the changed rows with the raw sqlite3 driver. Generation is timed for information only.
 * Figures go to test/bench/results/openclaw.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { GeneratedSession, OpenClawHome } from '../../src/demo/openclaw-generator';
import { report, RunningApp, startBuiltApp, statusMb } from './bench-support';

const AGENTS = 20;
/** OPENCLAW_BENCH_SESSIONS=100 makes a quick run while tuning; the goals are set for 1,000. */
const SESSIONS = Number(process.env.OPENCLAW_BENCH_SESSIONS ?? 1_000);
const GROWTH = 10;
const CHANGED = 10;
const ROUNDS = 5;
/** 4 opening lines, 12 plain runs of 3 lines and 2 tool runs of 5: 50 transcript rows a session. */
const RUNS = 14;
const TOOL_RUNS = new Set([3, 10]);
/** Sessions per agent between two commits while generating. */
const FLUSH_EVERY = 25;

interface Health {
  sessions: number;
  last_poll_at: string | null;
  last_poll_ms: number | null;
}

interface Poll {
  /** The app's own figure for the poll that read the change. */
  poll_ms: number;
  /** From the commit until the poll that read it ended, MC_OPENCLAW_POLL=1 (GET /api/sessions shows it then). */
  visible_ms: number;
  /** The poll before the change, which found nothing new. */
  idle_poll_ms: number;
  /** The raw driver reading the same changed rows from every agent database, on connections already open. */
  raw_select_ms: number;
}

interface Phase {
  sessions: number;
  /** Before the rounds' turns, which add a few hundred. */
  transcript_rows: number;
  first_read_wall_s: number;
  first_poll_ms: number;
  rss_mb_after_first_read: number;
  rounds: Poll[];
  median: Poll;
}

const agentIds = Array.from({ length: AGENTS }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
const dbFile = (home: string, agent: string) => join(home, 'agents', agent, 'agent', 'openclaw-agent.sqlite');

/** Sessions [from, to) of every agent, spread over the last 90 days, committed in batches as a busy fleet would. */
async function fill(home: OpenClawHome, from: number, to: number): Promise<void> {
  const start = Date.now() - 90 * 86_400_000;
  const step = (90 * 86_400_000) / (SESSIONS * GROWTH);
  for (let s = from; s < to; s++) {
    agentIds.forEach((agent, a) => {
      let at = start + s * step + a * 1_000;
      const session = home.addSession(agent, { at });
      for (let r = 0; r < RUNS; r++) {
        at += 30_000;
        const tool = TOOL_RUNS.has(r)
          ? { name: 'exec', arguments: { command: 'npm test' }, result: '124 passing' }
          : undefined;
        home.addRun(session, {
          at,
          text: `Question ${r} of session ${s}`,
          tool,
          answer: `Answer ${r}: done.`,
          durationMs: 20_000,
        });
      }
    });
    if ((s + 1) % FLUSH_EVERY === 0) await home.flush();
  }
  await home.flush();
}

async function health(app: RunningApp): Promise<Health> {
  const body = (await (await fetch(`${app.url}/api/health`)).json()) as { services: { openclaw: Health } };
  return body.services.openclaw;
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits for a poll that started after `after` (epoch ms) to finish. */
function pollAfter(app: RunningApp, after: number): Promise<Health> {
  return until(
    'a poll',
    async () => {
      const h = await health(app);
      return h.last_poll_at && Date.parse(h.last_poll_at) > after && h.last_poll_ms !== null ? h : null;
    },
    60_000,
    50,
  );
}

function query<T>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
  );
}

function openReadonly(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(
      `file:${file}?mode=ro`,
      sqlite3.OPEN_READONLY | sqlite3.OPEN_URI,
      (e) => (e ? reject(e) : resolve(db)),
    );
  });
}

/** What an incremental reader cannot do without: per database, rows updated since `since` and transcript rows after the last rowid seen. */
async function rawSelect(
  dbs: Map<string, sqlite3.Database>,
  since: number,
  lastRowIds: Map<string, number>,
): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for (const [agent, db] of dbs) {
    await query(db, 'BEGIN');
    rows += (await query(db, 'SELECT * FROM session_nodes WHERE updated_at >= ?', [since])).length;
    rows += (await query(db, 'SELECT * FROM session_windows WHERE updated_at >= ?', [since])).length;
    rows += (
      await query(db, 'SELECT rowid, * FROM transcript_events WHERE rowid > ? ORDER BY rowid', [
        lastRowIds.get(agent) ?? 0,
      ])
    ).length;
    await query(db, 'COMMIT');
  }
  if (rows < CHANGED * 4) throw new Error(`the raw SELECTs found ${rows} rows, fewer than the change wrote`);
  return performance.now() - started;
}

async function lastRowIds(dbs: Map<string, sqlite3.Database>): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const [agent, db] of dbs)
    ids.set(agent, (await query<{ id: number }>(db, 'SELECT max(rowid) AS id FROM transcript_events'))[0].id);
  return ids;
}

/**
 * One round: right after an idle poll, a turn in 10 sessions of 10 agents; then the poll that reads
 * it. Only GET /api/health is asked while the poll runs (a listing of 200,000 sessions asked every few
 * milliseconds would share the event loop with the poll it measures); the listing is checked after.
 */
async function incrementalRound(
  app: RunningApp,
  home: OpenClawHome,
  raw: Map<string, sqlite3.Database>,
  round: number,
): Promise<Poll> {
  const idle = await pollAfter(app, Date.now());
  const rowIds = await lastRowIds(raw);
  const changed: GeneratedSession[] = agentIds.slice(0, CHANGED).map((agent) => {
    const sessions = home.sessions(agent);
    return sessions[Math.floor(Math.random() * sessions.length)];
  });
  // The turns end now, so every row they update has updated_at >= writtenAt.
  const writtenAt = Date.now();
  for (const session of changed) home.addRun(session, { text: `Bench round ${round}`, answer: 'Changed.' });
  await home.flush();
  const committedAt = Date.now();
  const poll = await pollAfter(app, committedAt);
  const body = (await (await fetch(`${app.url}/api/sessions?limit=1`)).json()) as { sessions: { key: string }[] };
  if (!changed.some((s) => s.key === body.sessions[0]?.key))
    throw new Error('the poll after the change did not show it in GET /api/sessions');
  return {
    poll_ms: poll.last_poll_ms!,
    visible_ms: Date.parse(poll.last_poll_at!) + poll.last_poll_ms! - committedAt,
    idle_poll_ms: idle.last_poll_ms!,
    raw_select_ms: await rawSelect(raw, writtenAt, rowIds),
  };
}

async function measure(dir: string, home: OpenClawHome, sessions: number, label: string): Promise<Phase> {
  console.log(`… ${label}: Mission Control's first read`);
  const started = performance.now();
  const env = {
    MC_WORKSPACE: join(dir, 'no-workspace'),
    MC_DATA_DIR: join(dir, `data-${sessions}`),
    MC_METRICS_INTERVAL: '3600',
    MC_OPENCLAW_HOME: home.dir,
    MC_OPENCLAW_POLL: '1',
  };
  const app = await startBuiltApp(env);
  const raw = new Map<string, sqlite3.Database>();
  try {
    for (const agent of agentIds) raw.set(agent, await openReadonly(dbFile(home.dir, agent)));
    const first = await until(
      'the first full read',
      async () => {
        const h = await health(app);
        return h.sessions === sessions && h.last_poll_ms !== null ? h : null;
      },
      30 * 60_000,
      200,
    );
    const firstReadS = (performance.now() - started) / 1000;
    const rss = statusMb(app.pid, 'VmRSS');
    console.log(`… ${label}: ${ROUNDS} incremental polls`);
    const rounds: Poll[] = [];
    for (let round = 1; round <= ROUNDS; round++) rounds.push(await incrementalRound(app, home, raw, round));
    const median = (pick: (p: Poll) => number) => rounds.map(pick).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
    return {
      sessions,
      transcript_rows: sessions * 50,
      first_read_wall_s: firstReadS,
      first_poll_ms: first.last_poll_ms!,
      rss_mb_after_first_read: rss,
      rounds,
      median: {
        poll_ms: median((p) => p.poll_ms),
        visible_ms: median((p) => p.visible_ms),
        idle_poll_ms: median((p) => p.idle_poll_ms),
        raw_select_ms: median((p) => p.raw_select_ms),
      },
    };
  } finally {
    for (const db of raw.values()) await new Promise((resolve) => db.close(resolve));
    await app.stop();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-openclaw-'));
  const home = await OpenClawHome.create(join(dir, 'home'), {
    agents: agentIds.map((id) => ({ id, layout: 'sqlite' as const })),
    configForm: 'entries',
    json5: false,
  });
  try {
    let generating = performance.now();
    console.log(`… generating ${AGENTS} agents × ${SESSIONS} sessions × 50 transcript rows`);
    await fill(home, 0, SESSIONS);
    const generated1x = (performance.now() - generating) / 1000;
    const base = await measure(dir, home, AGENTS * SESSIONS, '1×');

    generating = performance.now();
    console.log(`… growing the history tenfold: ${AGENTS} agents × ${SESSIONS * GROWTH} sessions`);
    await fill(home, SESSIONS, SESSIONS * GROWTH);
    const generated10x = (performance.now() - generating) / 1000;
    const grown = await measure(dir, home, AGENTS * SESSIONS * GROWTH, '10×');

    const ratio = grown.median.poll_ms / base.median.poll_ms;
    const figures = {
      agents: AGENTS,
      changed_sessions_per_poll: CHANGED,
      rounds: ROUNDS,
      generation_s: { history_1x: generated1x, growth_to_10x: generated10x },
      history_1x: base,
      history_10x: grown,
      poll_ratio_10x_vs_1x: ratio,
      goals: { first_read_s: '< 5', incremental_poll_ms: '< 50', poll_ratio_10x_vs_1x: '<= 1.5' },
    };
    const ms = (n: number) => n.toFixed(1);
    const rows = (p: Phase) =>
      `${p.transcript_rows.toLocaleString('en-US')} rows, ${p.sessions.toLocaleString('en-US')} sessions`;
    await report('openclaw', figures, [
      [
        `first full read, ${rows(base)}: until GET /api/health counts them all, boot included (s, goal < 5)`,
        base.first_read_wall_s.toFixed(2),
      ],
      ['first full read: the first poll as the app reports it (ms)', ms(base.first_poll_ms)],
      ['process memory after the first read (MB RSS)', base.rss_mb_after_first_read.toFixed(0)],
      [
        `incremental poll after ${CHANGED} sessions got a turn, median of ${ROUNDS} (ms, goal < 50)`,
        ms(base.median.poll_ms),
      ],
      ['idle poll, nothing changed (ms)', ms(base.median.idle_poll_ms)],
      [
        'raw sqlite3: the same changed rows from the 20 databases, connections open (ms)',
        ms(base.median.raw_select_ms),
      ],
      [
        'commit to the end of the poll that shows it in GET /api/sessions, MC_OPENCLAW_POLL=1 (ms)',
        ms(base.median.visible_ms),
      ],
      [`history ×${GROWTH}, ${rows(grown)}: first full read (s)`, grown.first_read_wall_s.toFixed(2)],
      [`history ×${GROWTH}: process memory after the first read (MB RSS)`, grown.rss_mb_after_first_read.toFixed(0)],
      [`history ×${GROWTH}: incremental poll, same change (ms)`, ms(grown.median.poll_ms)],
      [`history ×${GROWTH}: raw sqlite3, same changed rows (ms)`, ms(grown.median.raw_select_ms)],
      [`incremental poll, history ×${GROWTH} / ×1 (goal <= 1.5)`, ratio.toFixed(2)],
    ]);
  } finally {
    await home.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
