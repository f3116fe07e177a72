import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/environment';
import { isClustered } from './cluster-mode';
import { LeaderElection } from './leader-election';
import { BusListener, BusMessage, DeliveredMessage, RedisBus } from './redis-bus';
import { ScheduledRunsRepository } from './scheduled-runs.repository';

export type Role = 'leader' | 'follower';

export interface Member {
  id: string;
  role: Role;
  last_seen: string;
}

const HEARTBEAT_MS = 5_000;
const MEMBER_TTL_S = 15;
const MEMBER = '{mc}:member:';

/**
 * The door to cluster mode. On SQLite this instance is alone and leads. On PostgreSQL
 * (MC_DATABASE_URL) instances elect one leader for the work that must happen once; with Redis
 * (MC_REDIS_URL) their broadcasts go through one stream and they see one another's heartbeats.
 */
@Injectable()
export class ClusterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Cluster');
  private readonly id: string;
  private readonly election: LeaderElection | null;
  private bus: RedisBus | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly onLeadership: ((leader: boolean) => void)[] = [];
  private claims = 0;
  private taken: number[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly runs: ScheduledRunsRepository,
  ) {
    this.id = config.get('MC_INSTANCE_ID', { infer: true });
    const url = config.get('MC_DATABASE_URL', { infer: true });
    this.election = url
      ? new LeaderElection(url, `mission-control-leader ${this.id}`.slice(0, 63), (leader) =>
          this.leadershipChanged(leader),
        )
      : null;
  }

  get clustered(): boolean {
    return isClustered(this.config);
  }

  get isLeader(): boolean {
    return this.election ? this.election.leader : true;
  }

  /**
   * Whether this instance reads the workspace and OpenClaw itself: alone, or as a cluster's leader.
   * A cluster's followers serve the leader's view instead (see FleetViewSync).
   */
  get readsSources(): boolean {
    return !this.clustered || this.isLeader;
  }

  get role(): Role {
    return this.isLeader ? 'leader' : 'follower';
  }

  /** Called with true when this instance starts leading, false when it stops (for LeaderOnlyRegistry). */
  whenLeadershipChanges(listener: (leader: boolean) => void): void {
    this.onLeadership.push(listener);
  }

  /** Joins the bus (cluster mode only): the gateway's broadcasts then reach every instance's clients. */
  async joinBus(listener: BusListener): Promise<boolean> {
    const url = this.config.get('MC_REDIS_URL', { infer: true });
    if (!url) return false;
    this.bus = new RedisBus(url, listener);
    await this.bus.start();
    this.logger.log(`Joined the event bus (epoch ${this.bus.epoch})`);
    return true;
  }

  /** Appends to the bus; the messages of an events outbox row are appended once, whoever sends them. */
  publish(messages: BusMessage[], outbox?: number | null): void {
    void this.bus
      ?.publish(messages, outbox ? `outbox:${outbox}` : undefined)
      .then((taken) => taken && outbox && this.taken.push(outbox));
  }

  /** The outbox rows whose messages Redis took since the last call (their rows can go). */
  takeConfirmed(): number[] {
    return this.taken.splice(0);
  }

  /** Which of these outbox rows' messages the bus has taken; null while Redis does not answer. */
  async published(outboxIds: number[]): Promise<Set<number> | null> {
    const taken = await this.bus?.taken(outboxIds.map((id) => `outbox:${id}`));
    return taken ? new Set(outboxIds.filter((_, i) => taken[i])) : null;
  }

  /** Broadcast messages `from`…`to` as the bus still holds them, or null when it no longer does. */
  replay(from: number, to: number): Promise<DeliveredMessage[] | null> {
    return this.bus ? this.bus.range(from, to) : Promise.resolve(null);
  }

  /** The bus once joined, for the cluster's own stores (SharedView). */
  get joinedBus(): RedisBus | null {
    return this.bus;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.election?.start();
    if (this.clustered) {
      await this.beat();
      this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.election?.stop();
    await this.bus?.stop();
  }

  /**
   * Whether this instance runs a scheduled job's slot: only the leader, and on PostgreSQL only once
   * per job and slot, whichever instance claims it first (two leaders overlap briefly when one loses
   * its connection without knowing yet).
   */
  async claim(job: string, slot: Date): Promise<boolean> {
    if (!this.isLeader) return false;
    if (!this.election) return true;
    // Slots older than two days cannot come round again: their rows go now and then.
    if (++this.claims % 1000 === 0) await this.runs.deleteBefore(new Date(Date.now() - 2 * 86_400_000));
    return this.runs.claim(job, slot, this.id);
  }

  async health() {
    const bus = this.bus ? { up: this.bus.up, lag: await this.bus.lag() } : null;
    return { role: this.role, members: await this.members(), bus };
  }

  /** The instances whose heartbeat is under 15 s old (cluster mode; just this one while Redis is away). */
  private async members(): Promise<Member[]> {
    const self = { id: this.id, role: this.role, last_seen: new Date().toISOString() };
    const bus = this.bus;
    if (!bus) return [self];
    const values = await bus.ask(async () => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await bus.connection.scan(cursor, 'MATCH', `${MEMBER}*`, 'COUNT', 100);
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
      return keys.length ? bus.connection.mget(...keys) : [];
    });
    if (!values) return [self];
    return values.flatMap((v) => parseMember(v)).sort((a, b) => a.id.localeCompare(b.id));
  }

  private async beat(): Promise<void> {
    if (!this.bus?.up) return;
    await this.bus.connection
      .set(
        `${MEMBER}${this.id}`,
        JSON.stringify({ id: this.id, role: this.role, last_seen: new Date().toISOString() }),
        'EX',
        MEMBER_TTL_S,
      )
      .catch((error: Error) => this.logger.warn(`Heartbeat failed: ${error.message}`));
  }

  private leadershipChanged(leader: boolean): void {
    void this.beat();
    for (const listener of this.onLeadership) listener(leader);
  }
}

/** A heartbeat as stored, or nothing for a value that is not one (Redis is shared; read it as untrusted). */
function parseMember(value: string | null): Member[] {
  try {
    const member = JSON.parse(value ?? 'null') as Partial<Member> | null;
    return member &&
      typeof member.id === 'string' &&
      (member.role === 'leader' || member.role === 'follower') &&
      typeof member.last_seen === 'string'
      ? [{ id: member.id, role: member.role, last_seen: member.last_seen }]
      : [];
  } catch {
    return [];
  }
}
