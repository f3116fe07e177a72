/**
 * npm run bench:backup — a full backup and a verify of a ~200 MB workspace in 10,000 files plus a
 * database of 1,000,000 events, through the command line of the built app, against `tar czf` over the
 * same files in the same run. Figures go to test/bench/results/backup.json; the README shows the table.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDb, openDb, report, ROOT, run, startBuiltApp } from './bench-support';

const FILES = 10_000;
const FILE_BYTES = 20 * 1024;
const EVENTS = 1_000_000;
const WORDS = ['agent', 'task', 'completed', 'status', 'forge', 'scout', 'message', 'error', 'retry', 'deploy', 'queue', 'metric', 'office', 'briefing'];

interface Measured {
  seconds: number;
  peak_rss_mb: number;
  output: string;
}

/** Runs a command, sampling the peak resident memory (VmHWM) of it and its children. */
function measure(command: string, args: string[], env: Record<string, string> = {}): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let peak = 0;
  const sample = () => {
    for (const pid of [child.pid, ...childrenOf(child.pid!)]) {
      try {
        const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        /* gone already */
      }
    }
  };
  const timer = setInterval(sample, 50);
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
      resolve({ seconds: (performance.now() - started) / 1000, peak_rss_mb: peak, output });
    }),
  );
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Text that compresses like real logs and JSON states: words, numbers, timestamps. */
function textOf(seed: number, bytes: number): string {
  let out = '';
  let x = seed;
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += `${new Date(1_760_000_000_000 + x).toISOString()} ${WORDS[x % WORDS.length]} ${WORDS[(x >> 8) % WORDS.length]} id=${x % 100000} took=${x % 997}ms\n`;
  }
  return out.slice(0, bytes);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-backup-'));
  try {
    const env = { MC_WORKSPACE: join(dir, 'ws'), MC_DATA_DIR: join(dir, 'data'), MC_BACKUP_DIR: join(dir, 'backups'), NO_COLOR: '1' };
    console.log('… writing the workspace');
    for (let i = 0; i < FILES; i++) {
      const folder = join(env.MC_WORKSPACE, 'mission-control', i % 10 === 0 ? `agents/agent-${i / 10}` : `logs/day-${i % 30}`);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, i % 10 === 0 ? 'state.json' : `run-${i}.log`), textOf(i, FILE_BYTES));
    }
    console.log('… filling the database');
    await (await startBuiltApp({ ...env, MC_API_PORT: '0' })).stop();
    const db = await openDb(join(env.MC_DATA_DIR, 'metrics.db'));
    const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(500).fill('(?, ?, ?, ?)').join(', ')}`;
    await run(db, 'BEGIN');
    for (let i = 0; i < EVENTS; i += 500) {
      const rows = Array.from({ length: 500 }, (_, j) => [new Date(1_760_000_000_000 + (i + j) * 1000).toISOString(), WORDS[(i + j) % WORDS.length], `agent-${(i + j) % 1000}`, `{"n":${i + j}}`]);
      await run(db, insert, rows.flat());
    }
    await run(db, 'COMMIT');
    await closeDb(db);

    console.log('… tar czf');
    const tarDir = join(dir, 'tar');
    await mkdir(tarDir);
    await copyFile(join(env.MC_DATA_DIR, 'metrics.db'), join(tarDir, 'metrics.db'));
    const tar = await measure('tar', ['czf', join(dir, 'tar.tar.gz'), '-C', env.MC_WORKSPACE, 'mission-control', '-C', tarDir, 'metrics.db']);

    // As `npm run cli` runs it (a small young generation keeps a long batch job's memory flat), but built.
    const cli = (...args: string[]) => measure(process.execPath, ['--max-semi-space-size=4', join(ROOT, 'dist', 'cli', 'cli.js'), ...args], env);
    console.log('… command line start-up');
    const startup = await cli('list');
    console.log('… full backup');
    const backup = await cli('backup');
    const id = backup.output.match(/Backup (\S+) made/)![1];
    console.log('… verify');
    const verify = await cli('verify', id);

    const net = (m: Measured) => m.seconds - startup.seconds;
    const figures = {
      workspace: { files: FILES, bytes: FILES * FILE_BYTES },
      events: EVENTS,
      tar_czf: tar,
      cli_startup: startup,
      backup: { ...backup, net_seconds: net(backup) },
      verify: { ...verify, net_seconds: net(verify) },
      backup_vs_tar: net(backup) / tar.seconds,
      goals: { backup_vs_tar: '<= 1.3', peak_rss_mb: '< 200' },
    };
    const s = (n: number) => `${n.toFixed(2)} s`;
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    await report('backup', figures, [
      ['tar czf over the same files (time / peak memory)', `${s(tar.seconds)} / ${mb(tar.peak_rss_mb)}`],
      ['command-line start-up alone (npm run cli -- list)', s(startup.seconds)],
      ['full backup, start-up subtracted (time / peak memory)', `${s(net(backup))} / ${mb(backup.peak_rss_mb)}`],
      ['verify, start-up subtracted (time / peak memory)', `${s(net(verify))} / ${mb(verify.peak_rss_mb)}`],
      ['backup / tar czf (goal <= 1.3)', (net(backup) / tar.seconds).toFixed(2)],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
