import { Logger } from '@nestjs/common';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeAgent } from '../workspace/agent.normalizer';
import { isPlainObject } from '../common/json';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { taskId } from './demo-task-queue';
import { jsonText, OFFICE_ZONES, officeStateText } from './workspace-generator';
import { DemoFiles, JsonObject } from './demo-files';
import { Stepper } from './stepper';

export interface SimulatorOptions {
  /** Time between steps once started; 1500 ms unless given. */
  intervalMs?: number;
  /** The same seed on the same workspace makes the same changes. Random unless given. */
  seed?: number;
}

/**
 * Agents Mission Control already shows as offline (quiet this long, or without a known status) are
 * left alone, so the demo keeps its stale and status-less agents instead of reviving them.
 */
const LEAVE_ALONE_AFTER_MS = 30 * 60_000;
const HALF_WRITE_CHANCE = 1 / 15;
const TASK_CHANGE_CHANCE = 0.35;
const OPEN_TASKS_WANTED = 5;
/** Beyond this many tasks a finished one moves to history, so long runs do not grow the queue forever. */
const MAX_TASKS = 12;
const MAX_HISTORY = 20;

/** Weighted by repetition: mostly busy, now and then resting, rarely failing. */
const CAMEL_STATUSES = ['operational', 'operational', 'active', 'working', 'idle', 'standby', 'error'];
const SNAKE_STATUSES = ['busy', 'working', 'working', 'idle', 'standby', 'error'];
const RESTING_STATUSES = new Set(['idle', 'standby', 'error']);
const PRIORITIES = ['P0', 'P1', 'P2', 'P3'];
const TASK_IDEAS = [
  'Review pull request for the metrics pipeline',
  'Summarise overnight alerts',
  'Draft weekly status report',
  'Refactor task queue parser',
  'Research vector database options',
  'Write onboarding checklist',
  'Triage support inbox',
  'Update office floor plan',
  'Benchmark WebSocket fan-out',
  'Prepare campaign brief',
];
const TAGS = ['backend', 'frontend', 'research', 'content', 'ops', 'security'];

/**
 * Makes a demo workspace look alive by changing its files the way real agents do: state.json
 * rewrites, office moves, task progress. Used by `npm run demo`, tests and benchmarks.
 * Files are replaced atomically, except for the occasional state.json left half-written for a
 * moment on purpose. Fields the simulator does not know are kept.
 */
export class WorkspaceSimulator {
  private readonly logger = new Logger('DemoSimulator');
  private readonly dir: string;
  private readonly random: () => number;
  private readonly stepper: Stepper;
  private readonly files = new DemoFiles();

  constructor(root: string, options: SimulatorOptions = {}) {
    this.dir = join(root, 'mission-control');
    this.random = mulberry32(options.seed ?? Date.now());
    this.stepper = new Stepper(
      () => this.step(),
      options.intervalMs ?? 1_500,
      (error) => this.logger.warn(`Simulation step failed: ${error.message}`),
    );
  }

  start(): void {
    this.stepper.start();
  }

  /** Stops stepping and completes any half-written file, so the workspace is left readable. */
  async stop(): Promise<void> {
    await this.stepper.stop();
    await this.files.settle();
  }

  /** One round of changes: 1–3 agents' states, 1–2 office moves, and sometimes the task queue. */
  async step(): Promise<void> {
    const ids = await this.agentIds();
    await this.updateAgents(ids, 1 + this.int(3), this.random() < HALF_WRITE_CHANCE);
    await this.moveAgents(ids, 1 + this.int(2));
    if (this.random() < TASK_CHANGE_CHANCE) await this.changeTaskQueue(ids);
  }

  private async agentIds(): Promise<string[]> {
    const entries = await readdir(join(this.dir, 'agents'), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && AGENT_ID_PATTERN.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  private async updateAgents(ids: string[], count: number, halfWriteOne: boolean): Promise<void> {
    let changed = 0;
    for (const id of this.shuffle(ids)) {
      if (changed === count) return;
      const path = join(this.dir, 'agents', id, 'state.json');
      const state = await this.files.readJson(path);
      if (!state || normalizeAgent(id, { state }, Date.now(), LEAVE_ALONE_AFTER_MS).status === 'offline') continue;
      const text = jsonText(this.nextState(state));
      if (halfWriteOne && changed === 0) await this.files.writeHalfThenWhole(path, text);
      else await this.files.write(path, text);
      changed++;
    }
  }

  /** The agent moves on: new status, new current task, counters up, in the state's own naming style. */
  private nextState(state: JsonObject): JsonObject {
    const camelCase = 'lastActive' in state;
    const word = this.pick(camelCase ? CAMEL_STATUSES : SNAKE_STATUSES);
    // An agent that capitalises its status ("Operational") keeps doing so.
    const status =
      typeof state.status === 'string' && /^[A-Z]/.test(state.status) ? word[0].toUpperCase() + word.slice(1) : word;
    const task = RESTING_STATUSES.has(word) ? null : this.pick(TASK_IDEAS);
    const finished = this.random() < 0.6 ? 1 : 0;
    const failed = word === 'error' ? 1 : 0;
    const stats = isPlainObject(state.stats) ? state.stats : {};
    const now = new Date().toISOString();
    if (camelCase) {
      const currentTask = isPlainObject(state.current_task) ? state.current_task : {};
      return {
        ...state,
        status,
        lastActive: now,
        stats: { ...stats, tasksCompleted: count(stats.tasksCompleted) + finished, tasksActive: task ? 1 : 0 },
        current_task: task ? { ...currentTask, description: task } : null,
      };
    }
    return {
      ...state,
      status,
      last_active: now,
      stats: {
        ...stats,
        tasks_completed: count(stats.tasks_completed) + finished,
        tasks_failed: count(stats.tasks_failed) + failed,
      },
      current_tasks: task ? [task] : [],
    };
  }

  private async moveAgents(ids: string[], count: number): Promise<void> {
    const path = join(this.dir, 'current_office_state.json');
    const office = await this.files.readJson(path);
    if (!office) return;
    const positions = isPlainObject(office.positions) ? { ...office.positions } : {};
    for (const id of this.shuffle(ids).slice(0, count)) positions[id] = this.newPosition(zoneOf(positions[id]));
    await this.files.write(path, officeStateText({ ...office, timestamp: new Date().toISOString(), positions }));
  }

  /** Another zone than the current one, as a bare zone name or as `{x, y, zone}`: the office writes both. */
  private newPosition(currentZone: string | null): string | { x: number; y: number; zone: string } {
    const zone = this.pick(Object.keys(OFFICE_ZONES).filter((z) => z !== currentZone));
    if (this.random() < 0.5) return zone;
    return { x: OFFICE_ZONES[zone].x + this.int(11) - 5, y: OFFICE_ZONES[zone].y + this.int(11) - 5, zone };
  }

  private async changeTaskQueue(agentIds: string[]): Promise<void> {
    const path = join(this.dir, 'TASK_QUEUE.json');
    const queue = await this.files.readJson(path);
    if (!queue || !Array.isArray(queue.tasks)) return;
    const now = new Date().toISOString();
    const tasks: unknown[] = [...queue.tasks];
    const open = tasks.filter(isPlainObject).filter((t) => t.status === 'pending' || t.status === 'in_progress');
    let history: unknown[] = Array.isArray(queue.history) ? queue.history : [];
    let nextId = count(queue.nextId) || tasks.length + 1;
    // Keep a handful of tasks open: new work arrives while there is little, otherwise work progresses.
    const addTask = open.length === 0 || (open.length < OPEN_TASKS_WANTED && this.random() < 0.4);
    if (addTask) {
      const finished = tasks.findIndex((t) => isPlainObject(t) && (t.status === 'completed' || t.status === 'failed'));
      if (tasks.length >= MAX_TASKS && finished >= 0) {
        const [archived] = tasks.splice(finished, 1);
        history = [...history, { ...(archived as JsonObject), archived: now }].slice(-MAX_HISTORY);
      }
      tasks.push(this.newTask(nextId++, agentIds, now));
    } else {
      const task = this.pick(open);
      tasks[tasks.indexOf(task)] = this.advance(task, now);
    }
    await this.files.write(path, jsonText({ ...queue, tasks, history, nextId, updated: now }));
  }

  /** pending → in_progress → completed, or now and then failed. */
  private advance(task: JsonObject, now: string): JsonObject {
    if (task.status === 'pending') return { ...task, status: 'in_progress', updated: now };
    if (this.random() < 0.15) return { ...task, status: 'failed', updated: now };
    const subtasks = Array.isArray(task.subtasks) ? task.subtasks : [];
    return {
      ...task,
      status: 'completed',
      updated: now,
      completedAt: now,
      subtasks: subtasks.map((s) =>
        isPlainObject(s) && s.completed !== true ? { ...s, status: 'completed', completed: true, completedAt: now } : s,
      ),
    };
  }

  private newTask(id: number, agentIds: string[], now: string): JsonObject {
    return {
      id: taskId(id),
      description: this.pick(TASK_IDEAS),
      status: 'pending',
      priority: this.pick(PRIORITIES),
      assignedTo: agentIds.length ? this.pick(agentIds) : null,
      createdBy: 'nexus',
      created: now,
      updated: now,
      due: new Date(Date.parse(now) + 24 * 3_600_000).toISOString(),
      tags: [this.pick(TAGS)],
      notes: null,
      parentId: null,
      subtasks: [],
    };
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  private shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

function zoneOf(position: unknown): string | null {
  if (typeof position === 'string') return position;
  return isPlainObject(position) && typeof position.zone === 'string' ? position.zone : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** A tiny seeded PRNG (mulberry32): uniform numbers in [0, 1), the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
