import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { AddressInfo, createConnection, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Runs the real OpenClaw that `scripts/openclaw-cache.sh` installs into `.cache/openclaw-test/` (Node 24
 * and a pinned openclaw), against a temporary HOME, so nothing touches a real `~/.openclaw`. Every
 * process started here is tracked and killed with its whole process tree by `killAll()`.
 */
export const ROOT = join(__dirname, '..', '..');
export const OPENCLAW_VERSION = '2026.9.6';
export const OPENCLAW_CACHE = process.env.MC_OPENCLAW_CACHE ?? join(ROOT, '.cache', 'openclaw-test');
export const NODE24 = join(OPENCLAW_CACHE, 'node24', 'bin', 'node');
export const OPENCLAW_MJS = join(OPENCLAW_CACHE, 'openclaw', 'node_modules', 'openclaw', 'openclaw.mjs');
/** The built plugin (`npm run build:plugin`); OPENCLAW_TEST_PLUGIN_DIR points the test at another build. */
export const PLUGIN_DIR = process.env.OPENCLAW_TEST_PLUGIN_DIR ?? join(ROOT, 'dist', 'openclaw-plugin');

/** The fake model's price: USD per million tokens (see fake-llm.ts for the usage it reports). */
export const PRICE = { input: 3, output: 15 };

export interface AgentSpec {
  id: string;
  name: string;
  emoji: string;
  theme?: string;
}

export const AGENTS: AgentSpec[] = [
  { id: 'main', name: 'Main', emoji: '🛰️', theme: 'mission lead' },
  { id: 'scout', name: 'Scout', emoji: '🔭', theme: 'looks ahead' },
];

export function openclawInstalled(): boolean {
  if (!existsSync(NODE24) || !existsSync(OPENCLAW_MJS)) return false;
  try {
    const pkg = JSON.parse(readFileSync(join(OPENCLAW_MJS, '..', 'package.json'), 'utf8'));
    return pkg.version === OPENCLAW_VERSION;
  } catch {
    return false;
  }
}

export interface ConfigOptions {
  /** The fake model's base URL, e.g. http://127.0.0.1:1234/v1. */
  llmUrl: string;
  gatewayPort: number;
  gatewayToken: string;
  agents?: AgentSpec[];
  /** Where the gateway writes its log (default: `<stateDir>/logs/openclaw.log`); null leaves logging out. */
  logFile?: string | null;
  /** `tools.exec.mode: "ask"`: a model's exec call of a plain command waits for a reviewer's decision. */
  execAsk?: boolean;
}

/** `openclaw.json` as a user writes it: JSON5, with the agents as a list (`agents.list`). */
export function configJson5(stateDir: string, options: ConfigOptions): string {
  const agents = options.agents ?? AGENTS;
  const list = agents
    .map(
      (a) =>
        `      { id: ${q(a.id)}, name: ${q(a.name)}, identity: { name: ${q(a.name)}, emoji: ${q(a.emoji)}${a.theme ? `, theme: ${q(a.theme)}` : ''} } },`,
    )
    .join('\n');
  const logFile = options.logFile === undefined ? join(stateDir, 'logs', 'openclaw.log') : options.logFile;
  return `// OpenClaw config for Mission Control's tests: two agents on a local fake model, no network.
{
  agents: {
    ownership: "explicit", // a multi-agent roster must say so
    defaults: { model: { primary: "fake/m1" } },
    list: [
${list}
    ],
  },
  models: {
    mode: "merge",
    providers: {
      fake: {
        baseUrl: ${q(options.llmUrl)},
        apiKey: "x",
        api: "openai-completions",
        models: [
          {
            id: "m1",
            name: "Fake",
            reasoning: false,
            input: ["text"],
            cost: { input: ${PRICE.input}, output: ${PRICE.output}, cacheRead: 0, cacheWrite: 0 }, // USD per million tokens
            contextWindow: 128000,
            maxTokens: 4096,
          },
        ],
      },
    },
  },
  gateway: { mode: "local", port: ${options.gatewayPort}, bind: "loopback", auth: { mode: "token", token: ${q(options.gatewayToken)} } },
${logFile ? `  logging: { file: ${q(logFile)} },\n` : ''}${options.execAsk ? '  tools: { exec: { mode: "ask" } },\n' : ''}}
`;
}

function q(s: string): string {
  return JSON.stringify(s);
}

export interface RunResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  startedAt: number;
  /** Date.now() when the process exited. */
  exitedAt: number;
}

export interface Gateway {
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** One temporary OpenClaw install: HOME, its `.openclaw` state dir, and the processes run against it. */
export class OpenClaw {
  readonly stateDir: string;
  private readonly children = new Set<ChildProcess>();
  /** Every command run, with its duration, for the report. */
  readonly log: { args: string[]; ms: number; code: number | null }[] = [];

  constructor(readonly home: string) {
    this.stateDir = join(home, '.openclaw');
  }

  async writeConfig(options: ConfigOptions): Promise<void> {
    await mkdir(join(this.stateDir, 'logs'), { recursive: true });
    await writeFile(join(this.stateDir, 'openclaw.json'), configJson5(this.stateDir, options));
  }

  env(): NodeJS.ProcessEnv {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('MC_') && !key.startsWith('OPENCLAW_')),
    );
    return {
      ...clean,
      HOME: this.home,
      PATH: `${join(NODE24, '..')}:${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    };
  }

  spawn(args: string[]): ChildProcess {
    // detached: its own process group, so killAll() reaches what it starts.
    const child = spawn(NODE24, [OPENCLAW_MJS, ...args], {
      cwd: this.home,
      env: this.env(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs one command to its end (killed after `timeoutMs`). */
  run(args: string[], timeoutMs = 120_000): Promise<RunResult> {
    const startedAt = Date.now();
    const child = this.spawn(args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += c));
    child.stderr?.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => void killTree(child.pid), timeoutMs);
    return new Promise((resolve, reject) => {
      child.once('error', (error) => (clearTimeout(timer), reject(error)));
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const exitedAt = Date.now();
        this.log.push({ args, ms: exitedAt - startedAt, code });
        resolve({ args, code, signal, stdout, stderr, startedAt, exitedAt });
      });
    });
  }

  /** Runs a command that must succeed. */
  async ok(args: string[], timeoutMs?: number): Promise<RunResult> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0)
      throw new Error(
        `openclaw ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
      );
    return result;
  }

  /**
   * Installs and enables the Mission Control plugin the way a user does. `plugins install` refuses
   * to enable a plugin whose required config is missing, so the config comes before `enable`.
   */
  async installPlugin(options: { dir?: string; url: string; token?: string }): Promise<void> {
    await this.ok(['plugins', 'install', '--link', options.dir ?? PLUGIN_DIR, '--force', '--accept-capabilities']);
    const entry = {
      hooks: { allowConversationAccess: true },
      config: { url: options.url, ...(options.token ? { token: options.token } : {}) },
    };
    // One `config set --merge` instead of three single-value ones: each command costs seconds here.
    await this.ok([
      'config',
      'set',
      'plugins.entries.mission-control',
      JSON.stringify(entry),
      '--strict-json',
      '--merge',
    ]);
    await this.ok(['plugins', 'enable', 'mission-control']);
  }

  /** `openclaw gateway run`, resolved once it says it is ready. */
  async startGateway(port: number, timeoutMs = 120_000): Promise<Gateway> {
    const child = this.spawn(['gateway', 'run', '--port', String(port)]);
    let output = '';
    child.stdout?.on('data', (c) => (output += c));
    child.stderr?.on('data', (c) => (output += c));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (/\[gateway\] ready/.test(output) && (await canConnect(port))) break;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the OpenClaw gateway exited before it was ready:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) {
        await killTree(child.pid);
        throw new Error(`the OpenClaw gateway was not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`);
      }
      await sleep(200);
    }
    return {
      port,
      child,
      output: () => output,
      stop: async () => {
        await killTree(child.pid);
        await exited;
      },
    };
  }

  /**
   * One agent turn (`openclaw agent … --json`): through the running gateway, or embedded in the CLI
   * process with `local`. Resolves whatever the outcome; `json` is the CLI's result envelope.
   */
  async turn(
    agentId: string,
    message: string,
    options: { sessionKey?: string; local?: boolean; timeoutMs?: number } = {},
  ): Promise<RunResult & { json: any }> {
    const args = ['agent', '--agent', agentId, '--message', message, '--json', '--timeout', '120'];
    if (options.sessionKey) args.push('--session-key', options.sessionKey);
    if (options.local) args.push('--local');
    const result = await this.run(args, options.timeoutMs ?? 150_000);
    let json: any = null;
    try {
      json = JSON.parse(result.stdout);
    } catch {
      const start = result.stdout.indexOf('{');
      try {
        json = start >= 0 ? JSON.parse(result.stdout.slice(start)) : null;
      } catch {
        json = null;
      }
    }
    return { ...result, json };
  }

  /** `openclaw sessions --all-agents --json`. */
  async sessions(): Promise<any> {
    const result = await this.ok(['sessions', '--all-agents', '--json']);
    return JSON.parse(result.stdout);
  }

  /** Kills every process started here, with their children (the gateway runs a few). */
  async killAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => killTree(child.pid)));
    this.children.clear();
  }
}

/** A port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The pids below `pid` (Linux /proc; empty elsewhere). */
function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const parentOf = new Map<number, number>();
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      /* gone already */
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift() as number;
    for (const [child, ppid] of parentOf)
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

/** Running (a zombie waiting for a parent that never reaps it counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM to a process, its process group and every descendant (OpenClaw's runtime children start
 * their own groups), then SIGKILL to whatever is left after `graceMs`.
 */
export async function killTree(pid: number | undefined, graceMs = 8_000): Promise<void> {
  if (!pid) return;
  const tree = [pid, ...descendants(pid)];
  signal(-pid, 'SIGTERM');
  for (const p of tree) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(alive)) await sleep(100);
  const left = [pid, ...descendants(pid), ...tree].filter(alive);
  signal(-pid, 'SIGKILL');
  for (const p of left) signal(p, 'SIGKILL');
}
