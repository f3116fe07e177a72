import { Logger } from '@nestjs/common';
import { DomainEvent, DomainEventName } from '../contracts/domain-events';

/**
 * Which work runs only on the leader, declared where the work is (as Immich's `@OnJob`/`@OnEvent`
 * name the workers that run a handler); LeaderOnlyRegistry reads these declarations at start.
 *
 * - `leader`: the instance that holds the leadership lock on PostgreSQL; on SQLite, the one instance.
 * - `sources`: reading the workspace and OpenClaw. The leader of a cluster, which hands its view to
 *   the others through Redis; without Redis every instance, since nothing would carry that view.
 */
export type LeaderScope = 'leader' | 'sources';

/**
 * What watching the workspace and OpenClaw finds. In a cluster only the leader watches; followers
 * adopt its view (FleetViewSync), which derives these again, so only the leader emits them: the
 * gateway broadcasts them through the bus, the event log records them and alerts evaluate them once.
 */
export const LEADER_ONLY_EVENTS: ReadonlySet<DomainEventName> = new Set<DomainEventName>([
  DomainEvent.AgentUpdated,
  DomainEvent.AgentRemoved,
  DomainEvent.OfficeUpdated,
  DomainEvent.TasksUpdated,
  DomainEvent.SessionUpdated,
  DomainEvent.SessionStuck,
]);

/** What a leader-only method asks before it runs; LeaderOnlyRegistry answers for every instance it found. */
export interface Leadership {
  leads(scope: LeaderScope): boolean;
  /** Whether this instance runs `job`'s `slot`: the leader, once per job and slot across the cluster. */
  claim(job: string, slot: Date): Promise<boolean>;
}

/** Work started when this instance comes to lead and stopped when it no longer does (a source, a worker). */
export interface LeadershipHooks {
  /** At start when this instance leads, then whenever it comes to lead. */
  startLeading(): void | Promise<void>;
  /** Whenever it stops leading (not at shutdown: its own onModuleDestroy stops it then). */
  stopLeading?(): void | Promise<void>;
}

export interface LeaderOnlyOptions {
  scope?: LeaderScope;
  /**
   * A scheduled job's name: each run first claims its slot (the method's first argument when it is
   * a Date, else the current minute) in `scheduled_runs`, so two leaders that overlap for a moment
   * never run one slot twice.
   */
  job?: string;
}

const METHOD = Symbol('mission-control:leader-only');
const WORK = Symbol('mission-control:leader-work');
const leaderships = new WeakMap<object, Leadership>();

/**
 * A method that runs only where this instance leads in `scope`; elsewhere a call does nothing and
 * returns undefined. Put it on scheduled jobs and event handlers; decorators that register the method
 * (`@OnEvent`, `@Cron`) may go above or below it.
 */
export function LeaderOnly(options: LeaderOnlyOptions = {}) {
  const scope = options.scope ?? 'leader';
  return <T extends (...args: never[]) => void | Promise<void>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    const run = descriptor.value as unknown as (...args: unknown[]) => unknown;
    const job = options.job;
    const guarded = job
      ? async function (this: object, ...args: unknown[]): Promise<unknown> {
          const leadership = leaderships.get(this);
          if (leadership && !(await claimed(leadership, job, args[0], this))) return undefined;
          return run.apply(this, args);
        }
      : function (this: object, ...args: unknown[]): unknown {
          const leadership = leaderships.get(this);
          return leadership && !leadership.leads(scope) ? undefined : run.apply(this, args);
        };
    // Metadata that decorators below this one put on the method (an event's name, a cron) stays on it.
    for (const name of Reflect.getMetadataKeys(run))
      Reflect.defineMetadata(name, Reflect.getMetadata(name, run), guarded);
    Object.defineProperty(guarded, 'name', { value: run.name });
    Reflect.defineMetadata(METHOD, { scope, job }, guarded);
    descriptor.value = guarded as unknown as T;
  };
}

/**
 * A class whose work follows leadership in `scope`: LeaderOnlyRegistry calls its startLeading right
 * after its own onApplicationBootstrap when this instance leads, then startLeading and stopLeading at
 * each change of leadership (never two at once; sources first, stopped last), and neither once its
 * onModuleDestroy has begun.
 */
export function LeaderWork(scope: LeaderScope = 'leader') {
  return (target: abstract new (...args: never[]) => LeadershipHooks): void =>
    Reflect.defineMetadata(WORK, scope, target);
}

/** The declaration on a method, if it is leader-only. */
export function leaderOnlyMethod(method: unknown): { scope: LeaderScope; job?: string } | undefined {
  return typeof method === 'function' ? Reflect.getMetadata(METHOD, method) : undefined;
}

/** The scope of a class's LeaderWork, if it declares one. */
export function leaderWorkScope(type: unknown): LeaderScope | undefined {
  return typeof type === 'function' ? Reflect.getMetadata(WORK, type) : undefined;
}

/**
 * Makes `leadership` what `instance`'s leader-only methods ask. An instance no registry found (made
 * outside the app, or in the command line, which has no cluster) is alone, and so leads.
 */
export function bindLeadership(instance: object, leadership: Leadership): void {
  leaderships.set(instance, leadership);
}

/** A claim that fails (the database away) is logged, and this instance skips the slot as it skips a run that fails. */
async function claimed(leadership: Leadership, job: string, first: unknown, instance: object): Promise<boolean> {
  const slot = first instanceof Date ? first : new Date(Math.round(Date.now() / 60_000) * 60_000);
  try {
    return await leadership.claim(job, slot);
  } catch (error) {
    new Logger(instance.constructor.name).error(
      `Claiming ${job} for ${slot.toISOString()} failed: ${(error as Error).message}`,
    );
    return false;
  }
}
