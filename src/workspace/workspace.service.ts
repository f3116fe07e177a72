import { Injectable, Logger } from '@nestjs/common';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DomainEventBus } from '../common/domain-event-bus';
import { AppConfig } from '../config/environment';
import { DomainEvent } from '../contracts/domain-events';
import { normalizeAgent, quietAfter } from './agent.normalizer';
import { isPlainObject } from '../common/json';
import { parseLenientJson } from './lenient-json';
import { parseOffice } from './office.parser';
import { FileVersion, readWorkspaceFile } from './safe-path';
import { parseTaskQueueJson, parseTaskQueueMarkdown } from './task-queue.parser';
import { Agent, OfficeState, Task, TaskQueue } from '../contracts/fleet';
import { AGENT_ID_PATTERN } from '../contracts/ids';

const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** What followers of a cluster serve of the workspace: the leader's view of it (see FleetViewSync). */
export interface WorkspaceView {
  agents: Agent[];
  office: OfficeState | null;
  queue: TaskQueue;
  available: boolean;
  watching: boolean;
}

/** The last good reading of one file: kept when a later reading fails. */
interface Reading<T> {
  value: T;
  modifiedMs: number;
  /** The file's version when read; null when it cannot tell a later change (see readWorkspaceFile). */
  version: FileVersion | null;
}

interface AgentFiles {
  state?: Reading<Record<string, unknown>>;
  agentJson?: Reading<Record<string, unknown>>;
  soul?: Reading<string>;
}

/**
 * The in-memory view of the workspace: agents, office and task queue, each rebuilt from its files
 * when the watcher says they changed. A file that cannot be read keeps its last good reading.
 * Every change that a reader of the API would see is emitted as a domain event.
 */
@Injectable()
export class WorkspaceService {
  private readonly logger = new Logger(WorkspaceService.name);
  readonly root: string;
  readonly missionControlDir: string;
  private readonly staleMs: number;
  private realRoot: string | null = null;
  /** Each agent as normalised at `at` from its files. */
  private readonly agents = new Map<string, { agent: Agent; files: AgentFiles; at: number }>();
  private office: Reading<OfficeState> | null = null;
  private queue: TaskQueue = { source: null, tasks: [] };
  private queueReadings: { json?: Reading<Task[]>; md?: Reading<Task[]> } = {};
  private readonly failing = new Map<string, string>();
  private work: Promise<void> = Promise.resolve();
  /** Whether the watcher is on the files (it says so). */
  private watchingFiles = false;
  /** A follower's: the leader's view, adopted instead of reading files. */
  private leaderView: Pick<WorkspaceView, 'available' | 'watching'> | null = null;

  constructor(
    config: AppConfig,
    private readonly events: DomainEventBus,
  ) {
    const typed = config;
    this.root = typed.get('MC_WORKSPACE', { infer: true });
    this.missionControlDir = join(this.root, 'mission-control');
    this.staleMs = typed.get('MC_STALE_MINUTES', { infer: true }) * 60_000;
  }

  listAgents(): Agent[] {
    return [...this.agents.values()].map((e) => e.agent).sort((a, b) => a.id.localeCompare(b.id));
  }

  getAgent(id: string): Agent | undefined {
    return this.agents.get(id)?.agent;
  }

  getOffice(): OfficeState | null {
    return this.office?.value ?? null;
  }

  getTaskQueue(): TaskQueue {
    return this.queue;
  }

  /** Whether the workspace folder was there at the last look (the leader's, on a follower). */
  get available(): boolean {
    return this.leaderView?.available ?? this.realRoot !== null;
  }

  /** Whether the files are watched for changes (by the leader, on a follower). */
  get watching(): boolean {
    return this.leaderView?.watching ?? this.watchingFiles;
  }

  /** Called by the watcher: the files are now watched, or no longer. */
  setWatching(watching: boolean): void {
    this.watchingFiles = watching;
  }

  /** Called by the watcher as it starts: from now on the files are the source, not a leader's view. */
  readOwnFiles(): void {
    this.leaderView = null;
  }

  /** The view as other instances of a cluster are given it. */
  share(): WorkspaceView {
    return {
      agents: this.listAgents(),
      office: this.getOffice(),
      queue: this.queue,
      available: this.available,
      watching: this.watching,
    };
  }

  /**
   * A follower's update: the leader's view replaces this one, with the same domain events as if the
   * files had changed here. The agents' file readings are dropped: if this instance comes to lead, it
   * reads every file again before anything else.
   */
  adopt(view: WorkspaceView): void {
    this.leaderView = { available: view.available, watching: view.watching };
    const ids = new Set(view.agents.map((a) => a.id));
    for (const id of this.agents.keys()) if (!ids.has(id)) this.removeAgent(id);
    for (const agent of view.agents) this.put(agent.id, agent, {});
    this.setOffice(view.office ? { value: view.office, modifiedMs: 0, version: null } : null);
    this.setQueue(view.queue);
  }

  /** Runs reloads one at a time, in order, so an older read never overwrites a newer one. */
  enqueue(job: () => Promise<void>): Promise<void> {
    this.work = this.work
      .then(job)
      .catch((error: Error) => this.logger.error(`Workspace reload failed: ${error.stack}`));
    return this.work;
  }

  /** Reads everything: agents that disappeared are removed, new ones appear. */
  async scan(): Promise<void> {
    this.realRoot = await realpath(this.root).catch(() => null);
    const ids = await this.listAgentFolders();
    for (const id of this.agents.keys()) if (!ids.includes(id)) this.removeAgent(id);
    for (const id of ids) await this.loadAgent(id);
    await this.loadOffice();
    await this.loadTasks();
  }

  async loadAgent(id: string): Promise<void> {
    if (!AGENT_ID_PATTERN.test(id)) return;
    const dir = join(this.missionControlDir, 'agents', id);
    const isFolder = await lstat(dir).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (!isFolder) return this.removeAgent(id);
    const previous = this.agents.get(id);
    // One listing rather than a probe per file: each missing file's probe made an error, and its garbage.
    const present = new Set(await readdir(dir).catch((): string[] => []));
    const read = <T>(name: string, lastGood: Reading<T> | undefined, parse: (text: string) => T) =>
      present.has(name) ? this.read(join(dir, name), lastGood, parse) : this.absent(join(dir, name));
    const files: AgentFiles = {
      state: await read('state.json', previous?.files.state, parseObject),
      agentJson: await read('agent.json', previous?.files.agentJson, parseObject),
      soul: await read('SOUL.md', previous?.files.soul, (text) => text),
    };
    // Nothing read anew: the agent is as it was (the clock's part is refreshStaleness's).
    if (
      previous &&
      files.state === previous.files.state &&
      files.agentJson === previous.files.agentJson &&
      files.soul === previous.files.soul
    )
      return;
    this.store(id, files);
  }

  /**
   * Re-applies the staleness rule, which changes with the clock rather than with files, to the agents
   * it now judges otherwise, rather than normalising every agent every tick.
   */
  refreshStaleness(): void {
    const now = Date.now();
    for (const [id, entry] of this.agents) {
      const quiet = quietAfter(entry.agent.last_active, this.staleMs);
      if (now > quiet !== entry.at > quiet) this.store(id, entry.files);
    }
  }

  async loadOffice(): Promise<void> {
    const office = await this.read(
      join(this.missionControlDir, 'current_office_state.json'),
      this.office ?? undefined,
      (text) => parseOffice(parseLenientJson(text)),
    );
    this.setOffice(office ?? null);
  }

  async loadTasks(): Promise<void> {
    const jsonPath = join(this.missionControlDir, 'TASK_QUEUE.json');
    const mdPath = join(this.missionControlDir, 'TASK_QUEUE.md');
    this.queueReadings = {
      json: await this.read(jsonPath, this.queueReadings.json, (text) => parseTaskQueueJson(parseLenientJson(text))),
      md: await this.read(mdPath, this.queueReadings.md, parseTaskQueueMarkdown),
    };
    const { json, md } = this.queueReadings;
    const next: TaskQueue = json
      ? { source: 'TASK_QUEUE.json', tasks: json.value }
      : md
        ? { source: 'TASK_QUEUE.md', tasks: md.value }
        : { source: null, tasks: [] };
    this.setQueue(next);
  }

  private setOffice(office: Reading<OfficeState> | null): void {
    const changed = JSON.stringify(office?.value) !== JSON.stringify(this.office?.value);
    this.office = office;
    if (changed && office) this.events.emit(DomainEvent.OfficeUpdated, { office: office.value });
  }

  private setQueue(next: TaskQueue): void {
    const diff = diffTasks(this.queue.tasks, next.tasks);
    this.queue = next;
    if (diff.added.length || diff.updated.length || diff.removed.length) {
      this.events.emit(DomainEvent.TasksUpdated, { queue: next, ...diff });
    }
  }

  private store(id: string, files: AgentFiles): void {
    const now = Date.now();
    const modified = [files.state?.modifiedMs, files.agentJson?.modifiedMs].filter((m) => m !== undefined);
    const agent = normalizeAgent(
      id,
      {
        state: files.state?.value,
        agentJson: files.agentJson?.value,
        soul: files.soul?.value,
        modifiedMs: modified.length ? Math.max(...modified) : undefined,
      },
      now,
      this.staleMs,
    );
    this.put(id, agent, files, now);
  }

  private put(id: string, agent: Agent, files: AgentFiles, at = Date.now()): void {
    const previous = this.agents.get(id)?.agent ?? null;
    this.agents.set(id, { agent, files, at });
    // A deep comparison stops at the raw state an unchanged file shares with the previous agent, where
    // comparing the two as JSON text serialised every state twice at every staleness check.
    if (!isDeepStrictEqual(previous, agent))
      this.events.emit(DomainEvent.WorkspaceAgentChanged, { agent_id: id, agent });
  }

  private removeAgent(id: string): void {
    if (!this.agents.delete(id)) return;
    this.events.emit(DomainEvent.WorkspaceAgentChanged, { agent_id: id, agent: null });
  }

  private async listAgentFolders(): Promise<string[]> {
    const entries = await readdir(join(this.missionControlDir, 'agents'), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && AGENT_ID_PATTERN.test(e.name)).map((e) => e.name);
  }

  /**
   * Reads and parses one file. Missing: undefined. Unreadable or unparsable: the last good reading,
   * with the failure logged once per path until the file reads again.
   */
  private async read<T>(
    path: string,
    lastGood: Reading<T> | undefined,
    parse: (text: string) => T,
  ): Promise<Reading<T> | undefined> {
    try {
      const file = this.realRoot
        ? await readWorkspaceFile(this.realRoot, path, MAX_FILE_BYTES, lastGood?.version)
        : null;
      if (file === 'unchanged') return lastGood;
      if (file === null) return this.absent(path);
      const value = parse(file.text);
      if (this.failing.delete(path)) this.logger.log(`${path} reads again`);
      return { value, modifiedMs: file.modifiedMs, version: file.version };
    } catch (error) {
      const message = (error as Error).message;
      if (this.failing.get(path) !== message) {
        this.logger.warn(`Cannot read ${path}: ${message}; keeping the last good state`);
        this.failing.set(path, message);
      }
      return lastGood;
    }
  }

  /** A file that is not there: nothing to show, and no failure of it to report any longer. */
  private absent(path: string): undefined {
    this.failing.delete(path);
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> {
  const value = parseLenientJson(text);
  if (!isPlainObject(value)) throw new Error('expected a JSON object');
  return value;
}

function diffTasks(before: Task[], after: Task[]): { added: Task[]; updated: Task[]; removed: Task[] } {
  const old = new Map(before.map((t) => [t.id, t]));
  const now = new Set(after.map((t) => t.id));
  return {
    added: after.filter((t) => !old.has(t.id)),
    updated: after.filter((t) => old.has(t.id) && JSON.stringify(old.get(t.id)) !== JSON.stringify(t)),
    removed: before.filter((t) => !now.has(t.id)),
  };
}
