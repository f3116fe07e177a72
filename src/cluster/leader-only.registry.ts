import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DomainEventFilter } from '../common/domain-event-bus';
import { DomainEventName } from '../contracts/domain-events';
import { ClusterService } from './cluster.service';
import {
  bindLeadership,
  LEADER_ONLY_EVENTS,
  LEADER_SCOPES,
  LeaderScope,
  Leadership,
  LeadershipHooks,
  leaderOnlyMethod,
  leaderWorkScope,
} from './leader-only';

interface Work {
  name: string;
  scope: LeaderScope;
  hooks: LeadershipHooks;
}

/**
 * The one place that knows this instance's role for the work declared leader-only (`@LeaderOnly`,
 * `@LeaderWork`): it answers their role checks, starts their work at start when this instance leads
 * and whenever it comes to lead, and stops it when it steps down. It is a provider of the root
 * module, whose hooks run after every other module has started and before any is destroyed: leader
 * work starts on a whole application (its listeners subscribed) and is never started again while it
 * stops.
 */
@Injectable()
export class LeaderOnlyRegistry implements Leadership, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Cluster');
  private readonly work: Work[] = [];
  /** For each scope, whether its work was last started. */
  private readonly leading = new Map<LeaderScope, boolean>();
  private changes: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly cluster: ClusterService,
  ) {}

  /** Finds the declarations, before any job, event or timer can call a leader-only method. */
  onModuleInit(): void {
    const found: { work: Work; distance: number }[] = [];
    const methods: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object') continue;
      const type = instance.constructor;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const guarded = this.scanner
        .getAllMethodNames(prototype)
        .filter((name) => leaderOnlyMethod(prototype[name]))
        .map((name) => `${type.name}.${name}`);
      const scope = leaderWorkScope(type);
      if (!guarded.length && !scope) continue;
      bindLeadership(instance, this);
      methods.push(...guarded);
      if (scope)
        found.push({
          work: { name: type.name, scope, hooks: instance as LeadershipHooks },
          distance: wrapper.host?.distance ?? 0,
        });
    }
    // In the order Nest starts modules (the deepest first: sources before the work that reads them).
    this.work.push(...found.sort((a, b) => b.distance - a.distance).map((f) => f.work));
    this.logger.debug(
      `Leader-only work: ${[...this.work.map((w) => `${w.name} (${w.scope})`), ...methods].join(', ') || 'none'}`,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    this.cluster.whenLeadershipChanges(() => void this.follow());
    await this.follow();
  }

  /** The application stops: each class stops its own work in its onModuleDestroy; nothing starts again. */
  onModuleDestroy(): void {
    this.stopped = true;
  }

  leads(scope: LeaderScope): boolean {
    return scope === 'sources' ? this.cluster.readsSources : this.cluster.isLeader;
  }

  claim(job: string, slot: Date): Promise<boolean> {
    return this.cluster.claim(job, slot);
  }

  /** Brings the work in line with the role now; one change at a time, so start and stop never overlap. */
  private follow(): Promise<void> {
    this.changes = this.changes.then(() => this.apply());
    return this.changes;
  }

  private async apply(): Promise<void> {
    if (!this.started || this.stopped) return;
    const changed = LEADER_SCOPES.filter((scope) => this.leads(scope) !== (this.leading.get(scope) ?? false));
    if (!changed.length) return;
    for (const scope of changed) this.leading.set(scope, this.leads(scope));
    const affected = this.work.filter((w) => changed.includes(w.scope));
    for (const w of [...affected].reverse()) if (!this.leading.get(w.scope)) await this.call(w, 'stopLeading');
    for (const w of affected) if (this.leading.get(w.scope)) await this.call(w, 'startLeading');
  }

  private async call(work: Work, hook: keyof LeadershipHooks): Promise<void> {
    try {
      await work.hooks[hook]?.();
    } catch (error) {
      this.logger.error(`${work.name}.${hook} failed: ${(error as Error).message}`);
    }
  }
}

/** The DomainEventBus's filter in the app: a follower leaves LEADER_ONLY_EVENTS to the leader. */
@Injectable()
export class LeaderOnlyEvents implements DomainEventFilter {
  constructor(private readonly cluster: ClusterService) {}

  emits(name: DomainEventName): boolean {
    return this.cluster.isLeader || !LEADER_ONLY_EVENTS.has(name);
  }
}
