import { ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from 'sqlite3';

export const ROOT = join(__dirname, '..', '..');

export interface RunningApp {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built app (`dist/main.js`) as a user would, on the given folders. */
export async function startBuiltApp(env: Record<string, string>): Promise<RunningApp> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MC_')));
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { ...clean, NO_COLOR: '1', MC_HOST: '127.0.0.1', MC_API_PORT: '0', MC_WS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const match = output.match(/REST API on (http:\/\/[^\s,]+)/);
    if (match) return { url: match[1], child, stop: async () => (child.kill('SIGTERM'), await exited) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`app did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify({ measured_at: new Date().toISOString(), node: process.version, ...figures }, null, 2)}\n`);
  const width = Math.max(...table.map(([k]) => k.length));
  console.log(`\n| ${'measure'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`);
  for (const [k, v] of table) console.log(`| ${k.padEnd(width)} | ${v} |`);
  console.log(`\nwritten to test/bench/results/${name}.json`);
}
