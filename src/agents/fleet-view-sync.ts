import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { isClustered } from '../cluster/cluster-mode';
import { LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { SharedView } from '../cluster/shared-view';
import { isPlainObject } from '../common/json';
import { AppConfig } from '../config/environment';
import { OpenClawService, OpenClawView } from '../openclaw/openclaw.service';
import { WorkspaceService, WorkspaceView } from '../workspace/workspace.service';
import { AGENT_ID_PATTERN } from '../contracts/ids';

/** Leader and followers each look this often, so that a follower shows a file change soon after the leader. */
const TICK_MS = 250;
/** The leader checks this often that Redis still holds its view: a Redis that lost its data soon has it again. */
const REFRESH_MS = 5_000;
/**
 * A view grows with OpenClaw's sessions, and a large one takes a while to write out and read back. Sharing
 * waits this many times as long as the last one took, so that it costs the leader (and each follower, which
 * reads it) at most a tenth of its time however large the fleet.
 */
const COST_FACTOR = 10;

interface FleetView {
  workspace: WorkspaceView;
  openclaw: OpenClawView;
}

/**
 * Cluster mode: only the leader reads the workspace and OpenClaw. Within a quarter second of a change it
 * hands its view to the followers through Redis, and they adopt it, so that every instance's API
 * serves the same agents, office, tasks and sessions without watching any file. (Their WebSocket
 * clients get the leader's updates through the bus as they happen.) A follower that becomes leader
 * starts from the adopted view and reads the files again; what differs is announced as a change.
 */
@Injectable()
@LeaderWork('sources')
export class FleetViewSync implements OnApplicationBootstrap, OnModuleDestroy, LeadershipHooks {
  private readonly logger = new Logger('Cluster');
  private timer: NodeJS.Timeout | null = null;
  private dirty = true;
  private lastShared = 0;
  private lastCostMs = 0;
  private known: string | null = null;
  private busy = false;
  private lastProblem = '';
  /** Whether this instance reads the sources itself, and so shares its view rather than adopting the leader's. */
  private reading = false;

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly openclaw: OpenClawService,
    private readonly sharedView: SharedView,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!isClustered(this.config)) return;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  startLeading(): void {
    this.reading = true;
  }

  stopLeading(): void {
    this.reading = false;
  }

  /** Something the view holds changed (see AgentsFleetListener): it is shared again at the next look. */
  markDirty(): void {
    this.dirty = true;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.reading) await this.share();
      else await this.adopt();
    } catch (error) {
      this.report(`Sharing the fleet's view failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  private async share(): Promise<void> {
    this.known = null;
    const since = Date.now() - this.lastShared;
    if (since < this.lastCostMs * COST_FACTOR || (!this.dirty && since < REFRESH_MS)) return;
    // Unchanged: written again only when Redis no longer holds it, so followers do not read it again for nothing.
    if (!this.dirty && (await this.sharedView.holdsOwn())) return void (this.lastShared = Date.now());
    this.dirty = false;
    const started = performance.now();
    const view: FleetView = { workspace: this.workspace.share(), openclaw: this.openclaw.share() };
    if (await this.sharedView.share(JSON.stringify(view))) this.lastShared = Date.now();
    else this.dirty = true;
    this.lastCostMs = performance.now() - started;
  }

  private async adopt(): Promise<void> {
    const shared = await this.sharedView.read(this.known);
    // Leadership may have come meanwhile: a leader reads its own files.
    if (!shared || this.reading) return;
    const view = parseFleetView(shared.body);
    this.known = shared.version;
    if (!view) return this.report("The leader's shared view is not one this version reads; keeping the last one");
    this.workspace.adopt(view.workspace);
    this.openclaw.adopt(view.openclaw);
    this.lastProblem = '';
  }

  private report(problem: string): void {
    if (problem !== this.lastProblem) this.logger.warn(problem);
    this.lastProblem = problem;
  }
}

/**
 * The view as Redis holds it, checked for the shape this version reads (an instance of another
 * version may lead for a while during an upgrade, and Redis is shared); null when it is not that.
 */
function parseFleetView(body: string): FleetView | null {
  let view: unknown;
  try {
    view = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isPlainObject(view) || !isPlainObject(view.workspace) || !isPlainObject(view.openclaw)) return null;
  const { workspace, openclaw } = view;
  const valid =
    listOf(workspace.agents, (a) => isPlainObject(a) && typeof a.id === 'string') &&
    isPlainObject(workspace.queue) &&
    listOf(workspace.queue.tasks, isPlainObject) &&
    listOf(openclaw.agents, (a) => isPlainObject(a) && typeof a.id === 'string') &&
    listOf(openclaw.sessions, (s) => isPlainObject(s) && typeof s.key === 'string') &&
    listOf(
      openclaw.usage,
      (u) =>
        isPlainObject(u) &&
        isPlainObject(u.meta) &&
        typeof u.meta.key === 'string' &&
        Array.isArray(u.buckets) &&
        Array.isArray(u.sessionIds),
    ) &&
    listOf(openclaw.prices, (p) => Array.isArray(p) && typeof p[0] === 'string' && isPlainObject(p[1])) &&
    // Layouts name the folders a follower opens to read transcripts: ids only, never a path.
    listOf(
      openclaw.layouts,
      (l) =>
        Array.isArray(l) &&
        typeof l[0] === 'string' &&
        AGENT_ID_PATTERN.test(l[0]) &&
        (l[1] === 'sqlite' || l[1] === 'legacy'),
    ) &&
    isPlainObject(openclaw.health);
  return valid ? (view as unknown as FleetView) : null;
}

function listOf(value: unknown, each: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(each);
}
