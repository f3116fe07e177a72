import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DomainEventFilter } from '../common/domain-event-bus';
import { DomainEventName } from '../contracts/domain-events';
import { ClusterService } from './cluster.service';
import {
  bindLeadership,
  LEADER_ONLY_EVENTS,
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
  /** Between the end of its class's own start and the beginning of its destruction. */
  ready: boolean;
  /** Whether startLeading was called last (rather than stopLeading, or nothing yet). */
  leading: boolean;
}

type Hooked = Partial<OnApplicationBootstrap & OnModuleDestroy>;

/**
 * The one place that knows this instance's role for the work declared leader-only (`@LeaderOnly`,
 * `@LeaderWork`): it answers their role checks, starts each class's work when this instance leads,
 * and stops it when it steps down. A class's work starts as part of that class's own start, right
 * after its onApplicationBootstrap (as if it started it itself: the workspace is read before the
 * modules that start later count it), and nothing is started or stopped once its onModuleDestroy
 * has begun.
 */
@Injectable()
export class LeaderOnlyRegistry implements Leadership, OnModuleInit {
  private readonly logger = new Logger('Cluster');
  private readonly work: Work[] = [];
  private changes: Promise<void> = Promise.resolve();

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
      if (!scope) continue;
      const work = { name: type.name, scope, hooks: instance as LeadershipHooks, ready: false, leading: false };
      this.hookInto(instance as Hooked, work);
      found.push({ work, distance: wrapper.host?.distance ?? 0 });
    }
    // In the order Nest starts modules (the deepest first: sources before the work that reads them).
    this.work.push(...found.sort((a, b) => b.distance - a.distance).map((f) => f.work));
    this.logger.debug(
      `Leader-only work: ${[...this.work.map((w) => `${w.name} (${w.scope})`), ...methods].join(', ') || 'none'}`,
    );
    this.cluster.whenLeadershipChanges(() => void this.follow());
  }

  leads(scope: LeaderScope): boolean {
    return scope === 'sources' ? this.cluster.readsSources : this.cluster.isLeader;
  }

  claim(job: string, slot: Date): Promise<boolean> {
    return this.cluster.claim(job, slot);
  }

  /** The work becomes ready after its class's own start, and stops being so as its class is destroyed. */
  private hookInto(instance: Hooked, work: Work): void {
    const start = instance.onApplicationBootstrap?.bind(instance);
    const destroy = instance.onModuleDestroy?.bind(instance);
    instance.onApplicationBootstrap = async () => {
      await start?.();
      work.ready = true;
      await this.follow();
    };
    instance.onModuleDestroy = async () => {
      work.ready = false;
      await destroy?.();
    };
  }

  /** Brings the work in line with the role now; one change at a time, so start and stop never overlap. */
  private follow(): Promise<void> {
    this.changes = this.changes.then(() => this.apply());
    return this.changes;
  }

  /** Stops in the reverse of the start order, then starts (sources before the work that reads them). */
  private async apply(): Promise<void> {
    for (const work of [...this.work].reverse())
      if (work.ready && work.leading && !this.leads(work.scope)) await this.call(work, false);
    for (const work of this.work)
      if (work.ready && !work.leading && this.leads(work.scope)) await this.call(work, true);
  }

  private async call(work: Work, leading: boolean): Promise<void> {
    work.leading = leading;
    try {
      await (leading ? work.hooks.startLeading() : work.hooks.stopLeading?.());
    } catch (error) {
      this.logger.error(`${work.name}.${leading ? 'startLeading' : 'stopLeading'} failed: ${(error as Error).message}`);
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
