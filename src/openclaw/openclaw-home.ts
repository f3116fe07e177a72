import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_ID_PATTERN } from '../workspace/workspace.types';
import { AgentDatabase } from './agent-database';
import { LegacySessions } from './legacy-sessions';
import { ModelPrice, parseOpenClawConfig, RosterAgent } from './openclaw-config';
import { SessionStore } from './session-store';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** openclaw.json under an OpenClaw home: read again only when it changed. */
export class OpenClawConfigFile {
  roster: RosterAgent[] = [];
  /** USD per million tokens by `provider/model`. */
  prices = new Map<string, ModelPrice>();
  private stamp = '';

  constructor(private readonly home: string) {}

  /** Reads it if it changed; a reading that fails is added to `problems`, and the last good one stays. */
  async read(problems: string[]): Promise<void> {
    const path = join(this.home, 'openclaw.json');
    const info = await stat(path).catch(() => null);
    if (!info) return void (this.roster = []);
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (stamp === this.stamp) return;
    try {
      if (info.size > MAX_CONFIG_BYTES) throw new Error(`over ${MAX_CONFIG_BYTES / 1048576} MiB`);
      const config = parseOpenClawConfig(await readFile(path, 'utf8'));
      this.roster = config.agents;
      this.prices = config.prices;
      this.stamp = stamp;
    } catch (error) {
      // The file may be caught mid-write: the next poll reads it again.
      problems.push(`openclaw.json: ${(error as Error).message}`);
    }
  }
}

/**
 * Adds to `stores` every agent folder's session store not in it yet, the SQLite one when an agent has
 * both (OpenClaw imported the legacy one).
 */
export async function discoverStores(home: string, stores: Map<string, SessionStore>): Promise<void> {
  const dirs = await readdir(join(home, 'agents'), { withFileTypes: true }).catch(() => []);
  for (const dir of dirs) {
    if (!dir.isDirectory() || !AGENT_ID_PATTERN.test(dir.name)) continue;
    const base = join(home, 'agents', dir.name);
    const existing = stores.get(dir.name);
    if (existing?.layout === 'sqlite') continue;
    if (await isFile(join(base, 'agent', 'openclaw-agent.sqlite'))) stores.set(dir.name, storeAt(home, dir.name, 'sqlite'));
    else if (!existing && (await isFile(join(base, 'sessions', 'sessions.json')))) stores.set(dir.name, storeAt(home, dir.name, 'legacy'));
  }
}

/** An agent's session store, where OpenClaw keeps it in either layout. */
export function storeAt(home: string, agentId: string, layout: 'sqlite' | 'legacy'): SessionStore {
  const base = join(home, 'agents', agentId);
  return layout === 'sqlite' ? new AgentDatabase(agentId, join(base, 'agent', 'openclaw-agent.sqlite')) : new LegacySessions(agentId, join(base, 'sessions'));
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isFile(), () => false);
}
