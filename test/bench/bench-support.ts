import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { ROOT, spawnService } from '../support/service-process';

export { ROOT };

export interface RunningApp {
  url: string;
  pid: number;
  stop(): Promise<unknown>;
}

/**
 * An event as an agent reports it (one of 1,000 agents): dated by the service on arrival, so the
 * timestamp index grows at its end as in real use.
 */
export const benchEvent = (i: number) => ({
  event_type: ['message_sent', 'message_received', 'task_started', 'task_completed'][i % 4],
  agent_id: `agent-${i % 1000}`,
  data: { task_id: `t${i % 5000}`, response_time: i % 700, note: 'benchmark event' },
});

/** The environment `npm run start:prod` gives the service (its `NAME=value` assignments: the allocator's tuning). */
function startEnvironment(): Record<string, string> {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  return Object.fromEntries([...script.matchAll(/\b([A-Z_]+)=(\S+)/g)].map(([, name, value]) => [name, value]));
}

/** Starts the built app (`dist/main.js`) as `npm run start:prod` does, on the given folders. */
export async function startBuiltApp(env: Record<string, string>): Promise<RunningApp> {
  const service = spawnService(join(ROOT, 'dist', 'main.js'), [], { ...startEnvironment(), ...env });
  return { url: await service.url(120_000), pid: service.child.pid!, stop: service.stop };
}

export function openDb(file: string): Promise<Database> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, (error) => (error ? reject(error) : resolve(db)));
  });
}

export function run(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
}

export function closeDb(db: Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

/** Prints a table and writes the figures to test/bench/results/<name>.json. */
export async function report(name: string, figures: Record<string, unknown>, table: [string, string][]): Promise<void> {
  const dir = join(ROOT, 'test', 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${name}.json`),
    `${JSON.stringify({ measured_at: new Date().toISOString(), node: process.version, ...figures }, null, 2)}\n`,
  );
  const width = Math.max(...table.map(([k]) => k.length));
  console.log(`\n| ${'measure'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`);
  for (const [k, v] of table) console.log(`| ${k.padEnd(width)} | ${v} |`);
  console.log(`\nwritten to test/bench/results/${name}.json`);
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median of each figure over the rounds. */
export function medians<T extends Record<string, number>>(rounds: T[]): T {
  return Object.fromEntries(Object.keys(rounds[0]).map((key) => [key, median(rounds.map((r) => r[key]))])) as T;
}

/** A memory figure of /proc/<pid>/status (VmRSS now, VmHWM the peak so far), in MB; 0 once gone. */
export function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return (
      Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0) / 1024
    );
  } catch {
    return 0;
  }
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds a process has used so far, user and system, all its threads (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
