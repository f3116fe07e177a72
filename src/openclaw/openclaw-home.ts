import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { kindOf, readRegularFile } from '../common/regular-file';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { AgentDatabase } from './agent-database';
import { leavesHome } from './home-paths';
import { LegacySessions } from './legacy-sessions';
import { OpenClawConfig, parseLocalGateway, parseOpenClawConfig, RosterAgent } from './openclaw-config';
import { LocalGatewaySettings } from '../contracts/gateways';
import { ModelPrice } from '../contracts/usage';
import { SessionStore } from './session-store';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Larger files are parsed in a worker thread: JSON5 is slow enough to hold the event loop. */
const INLINE_PARSE_BYTES = 64 * 1024;

/** openclaw.json under an OpenClaw home: read again only when it changed. */
export class OpenClawConfigFile {
  /** By agent id, in the file's order. */
  roster = new Map<string, RosterAgent>();
  /** Counts the roster's changes, so that what follows from it is worked out again only then. */
  version = 0;
  /** USD per million tokens by `provider/model`. */
  prices = new Map<string, ModelPrice>();
  private stamp = '';

  constructor(private readonly home: string) {}

  /** Reads it if it changed; a reading that fails is added to `problems`, and the last good one stays. */
  async read(problems: string[]): Promise<void> {
    const path = join(this.home, 'openclaw.json');
    const info = await stat(path).catch(() => null);
    if (!info) return this.setRoster([], '');
    // Never opened unless a regular file: a FIFO would hold the thread that opens it for good.
    if (!info.isFile()) {
      problems.push(`openclaw.json: not a regular file (${kindOf(info)}); the last roster read stays`);
      return;
    }
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (stamp === this.stamp) return;
    try {
      const text = (await readRegularFile(path, MAX_CONFIG_BYTES)).toString('utf8');
      const config = text.length > INLINE_PARSE_BYTES ? await parseOffThread(text) : parseOpenClawConfig(text);
      this.prices = config.prices;
      this.setRoster(config.agents, stamp);
    } catch (error) {
      // The file may be caught mid-write: the next poll reads it again.
      problems.push(`openclaw.json: ${(error as Error).message}`);
    }
  }

  private setRoster(agents: RosterAgent[], stamp: string): void {
    this.stamp = stamp;
    if (agents.length === 0 && this.roster.size === 0) return;
    this.roster = new Map(agents.map((agent) => [agent.id, agent]));
    this.version++;
  }
}

/** The local gateway `<home>/openclaw.json` describes; null without one, or when the file cannot be read. */
export async function readLocalGateway(home: string): Promise<LocalGatewaySettings | null> {
  const path = join(home, 'openclaw.json');
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  try {
    return parseLocalGateway((await readRegularFile(path, MAX_CONFIG_BYTES)).toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * parseOpenClawConfig in a worker thread of its own, so that the event loop stays free meanwhile.
 * Compiled, the worker runs dist/openclaw/openclaw-config.worker.js; from sources (tests), through ts-node.
 */
async function parseOffThread(text: string): Promise<OpenClawConfig> {
  const fromSource = __filename.endsWith('.ts');
  const worker = new Worker(join(__dirname, `openclaw-config.worker.${fromSource ? 'ts' : 'js'}`), {
    workerData: text,
    execArgv: fromSource ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
  type Answer = { chunks: string[]; prices: [string, ModelPrice][] } | { error: string };
  const answer = new Promise<Answer>((resolve, reject) => {
    worker.once('message', (message: Answer) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the parser stopped with exit code ${code}`)));
  });
  const parsed = await answer;
  if ('error' in parsed) throw new Error(parsed.error);
  const agents: RosterAgent[] = [];
  for (const chunk of parsed.chunks) {
    // One chunk per turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    for (const agent of JSON.parse(chunk) as RosterAgent[]) agents.push(agent);
  }
  return { agents, prices: new Map(parsed.prices) };
}

/**
 * Adds to `stores` every agent folder's session store not in it yet, the SQLite one when an agent has
 * both (OpenClaw imported the legacy one).
 */
export async function discoverStores(
  home: string,
  stores: Map<string, SessionStore>,
  problems: string[],
): Promise<void> {
  const dirs = await readdir(join(home, 'agents'), { withFileTypes: true }).catch(() => []);
  for (const dir of dirs) {
    if (!AGENT_ID_PATTERN.test(dir.name)) continue;
    const base = join(home, 'agents', dir.name);
    if (dir.isSymbolicLink()) {
      const outside = await leavesHome(home, base).catch((error: Error) => error.message);
      if (outside) {
        problems.push(`agents/${dir.name}: ${outside}`);
        continue;
      }
    }
    const existing = stores.get(dir.name);
    if (existing?.layout === 'sqlite' || !(await isDirectory(base))) continue;
    // Whatever is there, even a link or a FIFO: its store says in health why it cannot be read.
    const layout = (await exists(join(base, 'agent', 'openclaw-agent.sqlite')))
      ? 'sqlite'
      : !existing && (await exists(join(base, 'sessions', 'sessions.json')))
        ? 'legacy'
        : null;
    if (layout) stores.set(dir.name, storeAt(home, dir.name, layout));
  }
}

/** An agent's session store, where OpenClaw keeps it in either layout. */
export function storeAt(home: string, agentId: string, layout: 'sqlite' | 'legacy'): SessionStore {
  const base = join(home, 'agents', agentId);
  if (layout === 'legacy') return new LegacySessions(agentId, join(base, 'sessions'));
  return new AgentDatabase(agentId, join(base, 'agent', 'openclaw-agent.sqlite'), home);
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
