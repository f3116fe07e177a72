/**
 * npm run bench:cli — the start-up of the command line: `list` on the fixture workspace with four
 * backups, run as the `mission-control` bin runs it (the compiled dist/cli/cli.js, with its shebang's
 * Node options), against the old way in the same run (`npm run cli` used to run src/cli/cli.ts through
 * ts-node, compiling TypeScript at each start), and through `npm run -s cli` (npm's own start added;
 * without the precli check that dist/ is up to date, which would rebuild it whenever a source was saved
 * during the run). Rounds alternate between the ways, so a change in the load of the shared machine
 * hits them alike. Figures are medians of wall-clock and CPU time (user + system, of the process and
 * its children), with the load average. Figures go to test/bench/results/cli.json.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_WORKSPACE } from '../support/app-harness';
import { median, report, ROOT } from './bench-support';

const ROUNDS = 11;
const NODE_OPTIONS = ['--max-semi-space-size=4'];

const WAYS = {
  compiled: [process.execPath, ...NODE_OPTIONS, 'dist/cli/cli.js'],
  ts_node: [process.execPath, ...NODE_OPTIONS, '-r', 'ts-node/register/transpile-only', 'src/cli/cli.ts'],
  npm_run_cli: ['npm', 'run', '-s', '--ignore-scripts', 'cli', '--'],
};
type Way = keyof typeof WAYS;

interface Run {
  seconds: number;
  cpu_seconds: number;
  stdout: string;
}

/** CPU seconds of the children this process has waited for (Linux: utime and stime of /proc/self/stat). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // cutime and cstime are fields 16 and 17 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function runOnce(command: string[], env: Record<string, string>): Promise<Run> {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${command.join(' ')} exited ${code}:\n${stderr}`));
      resolve({ seconds: (performance.now() - started) / 1000, cpu_seconds: childrenCpuSeconds() - cpuBefore, stdout });
    }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-cli-'));
  try {
    const env = {
      MC_WORKSPACE: join(dir, 'ws'),
      MC_DATA_DIR: join(dir, 'data'),
      MC_BACKUP_DIR: join(dir, 'backups'),
      NO_COLOR: '1',
    };
    await cp(FIXTURE_WORKSPACE, env.MC_WORKSPACE, { recursive: true });
    console.log('… making four backups');
    for (const args of [['backup'], ['backup'], ['backup', '--agent', 'forge'], ['backup', '--type', 'snapshot']])
      await runOnce([...WAYS.compiled, ...args], env);

    const runs = Object.fromEntries(Object.keys(WAYS).map((way) => [way, [] as Run[]])) as Record<Way, Run[]>;
    const loadBefore = loadavg();
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`\r… round ${round}/${ROUNDS}`);
      for (const way of Object.keys(WAYS) as Way[]) runs[way].push(await runOnce([...WAYS[way], 'list'], env));
    }
    const loadAfter = loadavg();
    console.log();
    const outputs = new Set(Object.values(runs).flatMap((r) => r.map((run) => run.stdout)));
    if (outputs.size !== 1) throw new Error(`the ways printed different lists:\n${[...outputs].join('\n---\n')}`);

    const summary = (way: Way) => ({
      median_seconds: median(runs[way].map((r) => r.seconds)),
      min_seconds: Math.min(...runs[way].map((r) => r.seconds)),
      max_seconds: Math.max(...runs[way].map((r) => r.seconds)),
      median_cpu_seconds: median(runs[way].map((r) => r.cpu_seconds)),
    });
    const figures = {
      rounds: ROUNDS,
      backups_listed: [...outputs][0].trim().split('\n').length,
      machine: { cpus: cpus().length, load_average_1m_before: loadBefore[0], load_average_1m_after: loadAfter[0] },
      compiled: {
        command: 'mission-control list (node --max-semi-space-size=4 dist/cli/cli.js list)',
        ...summary('compiled'),
      },
      ts_node: {
        command:
          'node --max-semi-space-size=4 -r ts-node/register/transpile-only src/cli/cli.ts list (the old npm run cli)',
        ...summary('ts_node'),
      },
      npm_run_cli: {
        command: 'npm run -s --ignore-scripts cli -- list (npm run cli without its precli check)',
        ...summary('npm_run_cli'),
      },
      goals: { compiled_median_seconds: '< 1' },
    };
    const s = (n: number) => `${n.toFixed(2)} s`;
    const row = (way: Way): string => {
      const f = figures[way];
      return `${s(f.median_seconds)} (${s(f.min_seconds)}–${s(f.max_seconds)}) / ${s(f.median_cpu_seconds)}`;
    };
    await report('cli', figures, [
      ['ts-node, the old npm run cli -- list', row('ts_node')],
      ['mission-control list, compiled (goal < 1 s)', row('compiled')],
      ["npm run cli -- list, compiled, npm's start included", row('npm_run_cli')],
      ['load average (1 min) before / after, 2 cores', `${loadBefore[0].toFixed(1)} / ${loadAfter[0].toFixed(1)}`],
    ]);
    console.log('wall-clock median (min–max) / CPU time median, of', ROUNDS, 'rounds');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
