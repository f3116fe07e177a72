/**
 * npm run bench:backup — a full backup and a verify of two workspaces, each against `tar czf` over the
 * same files in the same run:
 * - "logs": 10,000 text files of 20 KB (compressible) and a database of 1,000,000 events;
 * - "small files": about 200 MB, as agents' workspaces are: 90% of the files JSON and markdown of
 *   2–8 KB in many folders, 10% incompressible files of 100–200 KB, next to an empty database.
 * Each backup is timed as the whole `mission-control backup` command (the bin, start-up included), and
 * as `POST /api/backups` on the running built service, where there is no start-up: once on a service
 * at rest (the goal's figure) and once on one that has just started. tar and the backup at rest
 * alternate for three rounds (medians reported), each run starting with the files in the page cache.
 * Peak memory is the process's high-water mark (VmHWM). Figures go to test/bench/results/backup.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../../src/backups/backup-archive';
import { closeDb, median, openDb, report, ROOT, run, startBuiltApp, statusMb } from './bench-support';

const WORDS = [
  'agent',
  'task',
  'completed',
  'status',
  'forge',
  'scout',
  'message',
  'error',
  'retry',
  'deploy',
  'queue',
  'metric',
  'office',
  'briefing',
];
const CLI = join(ROOT, 'dist', 'cli', 'cli.js');

interface Measured {
  seconds: number;
  peak_rss_mb: number;
}

interface Workspace {
  name: string;
  files: number;
  bytes: number;
  events: number;
}

/** Peak resident memory (VmHWM) of a process and its children, in MB; 0 once gone. */
function peakOf(pid: number): number {
  return Math.max(...[pid, ...childrenOf(pid)].map((each) => statusMb(each, 'VmHWM')));
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Runs a whole command, timing it from spawn to exit and sampling its peak memory. */
function measure(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Measured & { output: string }> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakOf(child.pid!))), 50);
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
      resolve({ seconds: (performance.now() - started) / 1000, peak_rss_mb: peak, output });
    }),
  );
}

/** A deterministic stream of numbers, so every run writes the same workspace. */
function numbers(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) >>> 0);
}

/** Lines that compress like real logs: words, numbers, timestamps. */
function logText(seed: number, bytes: number): string {
  const next = numbers(seed);
  let out = '';
  while (out.length < bytes) {
    const x = next();
    out += `${new Date(1_760_000_000_000 + x).toISOString()} ${WORDS[x % WORDS.length]} ${WORDS[(x >> 8) % WORDS.length]} id=${x % 100000} took=${x % 997}ms\n`;
  }
  return out.slice(0, bytes);
}

/** A JSON document of about `bytes`, shaped like an agent's state or task list. */
function jsonText(seed: number, bytes: number): string {
  const next = numbers(seed);
  const items: unknown[] = [];
  for (let size = 0; size < bytes;) {
    const item = {
      id: next() % 100000,
      status: WORDS[next() % WORDS.length],
      note: `${WORDS[next() % WORDS.length]} took ${next() % 997}ms`,
      at: new Date(1_760_000_000_000 + next()).toISOString(),
    };
    size += JSON.stringify(item, null, 2).length + 4;
    items.push(item);
  }
  return JSON.stringify({ seed, items }, null, 2);
}

async function put(file: string, content: string | Buffer): Promise<number> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, content);
  return Buffer.byteLength(content);
}

/** 10,000 text files of 20 KB: one valid state.json per agent folder, logs elsewhere. */
async function writeLogsWorkspace(mc: string): Promise<Omit<Workspace, 'name' | 'events'>> {
  let bytes = 0;
  for (let i = 0; i < 10_000; i++) {
    if (i % 10 === 0)
      bytes += await put(
        join(mc, `agents/agent-${i / 10}/state.json`),
        JSON.stringify({ id: `agent-${i / 10}`, status: 'active', log: logText(i, 20 * 1024 - 64) }),
      );
    else bytes += await put(join(mc, `logs/day-${i % 30}/run-${i}.log`), logText(i, 20 * 1024));
  }
  return { files: 10_000, bytes };
}

/** About 200 MB in 10,000 files: 9,000 JSON or markdown files of 2–8 KB, 1,000 random files of 100–200 KB. */
async function writeSmallFilesWorkspace(mc: string): Promise<Omit<Workspace, 'name' | 'events'>> {
  const next = numbers(7);
  let bytes = 0;
  for (let i = 0; i < 10_000; i++) {
    const folder = `agents/agent-${i % 200}/${['tasks', 'memory', 'runs', 'notes'][i % 4]}/week-${i % 13}`;
    if (i % 10 === 9)
      bytes += await put(join(mc, folder, `attachment-${i}.bin`), randomBytes(100 * 1024 + (next() % (100 * 1024))));
    else if (i % 3 === 0)
      bytes += await put(join(mc, folder, `note-${i}.md`), `# Note ${i}\n\n${logText(i, 2048 + (next() % 6144))}`);
    else bytes += await put(join(mc, folder, `task-${i}.json`), jsonText(i, 2048 + (next() % 6144)));
  }
  return { files: 10_000, bytes };
}

async function fillEvents(dbFile: string, events: number): Promise<void> {
  const db = await openDb(dbFile);
  const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(500).fill('(?, ?, ?, ?)').join(', ')}`;
  await run(db, 'BEGIN');
  for (let i = 0; i < events; i += 500) {
    const rows = Array.from({ length: 500 }, (_, j) => [
      new Date(1_760_000_000_000 + (i + j) * 1000).toISOString(),
      WORDS[(i + j) % WORDS.length],
      `agent-${(i + j) % 1000}`,
      `{"n":${i + j}}`,
    ]);
    await run(db, insert, rows.flat());
  }
  await run(db, 'COMMIT');
  await closeDb(db);
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Waits until the service has done its start-up work (watching the workspace): under 5% of a core for half a second. */
async function settled(pid: number): Promise<void> {
  for (let before = cpuMs(pid), deadline = Date.now() + 60_000; Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuMs(pid);
    if (now - before < 25) return;
    before = now;
  }
}

/**
 * How long the bench lets the service rest before the backup it measures at rest: V8 keeps the young
 * generation that start-up grew (32 MB) until its memory reducer runs, which on the logs workspace
 * came 14 to 26 s after start (a 20 s rest sometimes measured the service before it, 190 MB instead
 * of 160, and its backups 20 to 40 MB higher). A service that makes its backups every 6 hours is in
 * that state when it makes one.
 */
const REST_MS = 40_000;

/** tar and the API backup alternate this many times; the figures are each one's median. */
const ROUNDS = 3;

/** The measurement whose time is the median. */
function middle<T extends Measured>(runs: T[]): T {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
}

/**
 * Reads every file under `dirs`, so that each timed run starts with the files in the page cache. This
 * machine's kernel pages out what has not been touched for about a minute (DAMON): without this, tar
 * read files it had just written while the service's backups, a minute later, read them from disk.
 */
async function warmCache(dirs: string[]): Promise<void> {
  for (const dir of dirs) for (const file of listFiles(dir, '')) await readFile(file.source);
}

/**
 * POST /api/backups on the running service, timed from request to answer: once start-up's work is
 * done (settled), and, when `rest`, once the service is at rest as well. `before`: the service's
 * memory then, just before the request (its peak then is that of its start-up).
 */
async function backupThroughApi(
  env: Record<string, string>,
  rest: boolean,
  warm: () => Promise<void>,
): Promise<Measured & { before: { rss_mb: number; peak_rss_mb: number } }> {
  const app = await startBuiltApp(env);
  try {
    await settled(app.pid);
    if (rest) await new Promise((resolve) => setTimeout(resolve, REST_MS));
    await warm();
    const before = { rss_mb: statusMb(app.pid, 'VmRSS'), peak_rss_mb: statusMb(app.pid, 'VmHWM') };
    const started = performance.now();
    const response = await fetch(`${app.url}/api/backups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"full"}',
    });
    const seconds = (performance.now() - started) / 1000;
    if (response.status !== 201)
      throw new Error(`POST /api/backups answered ${response.status}: ${await response.text()}`);
    return { seconds, peak_rss_mb: peakOf(app.pid), before };
  } finally {
    await app.stop();
  }
}

async function benchWorkspace(
  name: string,
  write: (mc: string) => Promise<Omit<Workspace, 'name' | 'events'>>,
  events: number,
) {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-backup-'));
  try {
    const env = {
      MC_WORKSPACE: join(dir, 'ws'),
      MC_DATA_DIR: join(dir, 'data'),
      MC_BACKUP_DIR: join(dir, 'backups'),
      HOME: dir,
      NO_COLOR: '1',
    };
    console.log(`… ${name}: writing the workspace`);
    const workspace: Workspace = { name, events, ...(await write(join(env.MC_WORKSPACE, 'mission-control'))) };
    await (await startBuiltApp(env)).stop();
    if (events) await fillEvents(join(env.MC_DATA_DIR, 'metrics.db'), events);

    const tarDir = join(dir, 'tar');
    await mkdir(tarDir);
    await copyFile(join(env.MC_DATA_DIR, 'metrics.db'), join(tarDir, 'metrics.db'));
    const warm = () => warmCache([env.MC_WORKSPACE, tarDir]);
    const rounds: { tar: Measured; api: Awaited<ReturnType<typeof backupThroughApi>> }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`… ${name}, round ${round}: tar czf`);
      await warm();
      const tar = await measure('tar', [
        'czf',
        join(dir, 'tar.tar.gz'),
        '-C',
        env.MC_WORKSPACE,
        'mission-control',
        '-C',
        tarDir,
        'metrics.db',
      ]);
      console.log(`… ${name}, round ${round}: POST /api/backups, service at rest`);
      rounds.push({ tar, api: await backupThroughApi(env, true, warm) });
    }
    console.log(`… ${name}: POST /api/backups, just after start-up`);
    const justStarted = await backupThroughApi(env, false, warm);
    console.log(`… ${name}: mission-control backup`);
    await warm();
    const cli = await measure(CLI, ['backup'], env);
    const id = cli.output.match(/Backup (\S+) made/)![1];
    console.log(`… ${name}: mission-control verify`);
    await warm();
    const verify = await measure(CLI, ['verify', id], env);
    const tar = middle(rounds.map((r) => r.tar));
    const api = middle(rounds.map((r) => r.api));
    const strip = ({ seconds, peak_rss_mb }: Measured) => ({ seconds, peak_rss_mb });
    return {
      workspace,
      tar_czf: strip(tar),
      cli_backup: strip(cli),
      cli_verify: strip(verify),
      api_backup: { ...api, highest_peak_rss_mb: Math.max(...rounds.map((r) => r.api.peak_rss_mb)) },
      api_backup_just_started: justStarted,
      rounds: rounds.map((r) => ({
        tar_seconds: r.tar.seconds,
        api_seconds: r.api.seconds,
        api_peak_rss_mb: r.api.peak_rss_mb,
        api_vs_tar: r.api.seconds / r.tar.seconds,
      })),
      api_vs_tar: median(rounds.map((r) => r.api.seconds / r.tar.seconds)),
      cli_vs_tar: cli.seconds / tar.seconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // BACKUP_PARTS=small measures only the small-files workspace while tuning.
  const parts = (process.env.BACKUP_PARTS ?? 'logs,small').split(',');
  const logs = parts.includes('logs') ? await benchWorkspace('logs', writeLogsWorkspace, 1_000_000) : null;
  const small = parts.includes('small') ? await benchWorkspace('small files', writeSmallFilesWorkspace, 0) : null;
  const s = (m: Measured) => `${m.seconds.toFixed(2)} s / ${m.peak_rss_mb.toFixed(0)} MB`;
  const rows = (r: Awaited<ReturnType<typeof benchWorkspace>>): [string, string][] => [
    [`${r.workspace.name}: tar czf over the same files`, s(r.tar_czf)],
    [
      `${r.workspace.name}: POST /api/backups (full, checked, listed), service at rest`,
      `${s(r.api_backup)} (${r.api_backup.before.rss_mb.toFixed(0)} MB before it; highest peak of ${ROUNDS}: ${r.api_backup.highest_peak_rss_mb.toFixed(0)} MB)`,
    ],
    [
      `${r.workspace.name}: the same, just after start-up`,
      `${s(r.api_backup_just_started)} (${r.api_backup_just_started.before.rss_mb.toFixed(0)} MB before it)`,
    ],
    [`${r.workspace.name}: mission-control backup, whole command`, s(r.cli_backup)],
    [`${r.workspace.name}: mission-control verify, whole command`, s(r.cli_verify)],
    [
      `${r.workspace.name}: API / tar czf (goal <= 1.3), median of ${ROUNDS} rounds`,
      `${r.api_vs_tar.toFixed(2)} (${r.rounds.map((x) => x.api_vs_tar.toFixed(2)).join(', ')})`,
    ],
    [`${r.workspace.name}: command / tar czf`, r.cli_vs_tar.toFixed(2)],
  ];
  await report('backup', { logs, small_files: small, goals: { api_vs_tar: '<= 1.3', peak_rss_mb: '< 200' } }, [
    ...(logs ? rows(logs) : []),
    ...(small ? rows(small) : []),
  ]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
