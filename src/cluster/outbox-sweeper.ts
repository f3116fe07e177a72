import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-event-bus';
import { DomainEvent, LoggedEvent } from '../contracts/domain-events';
import { ClusterService } from './cluster.service';
import { LeaderOnly } from './leader-only';
import { OutboxRepository } from './outbox.repository';

const TICK_MS = 1_000;
/** The leader looks for rows left behind every this many ticks. */
const SWEEP_EVERY = 5;
/** A row younger than this may still be on its way to the bus from the instance that wrote it. */
const GRACE_MS = 10_000;

/**
 * Where the sweeper reads again the events of a row left behind:
 * the events module, handed over by the app's composition.
 */
export interface EventStore {
  /** These events, in id order. */
  byIds(ids: number[]): Promise<LoggedEvent[]>;
}

export const EVENT_STORE = Symbol('EventStore');

/**
 * Cluster mode: every request's events get an outbox row in the transaction that stores them (see
 * EventBatcher and OutboxRepository), and their broadcast is appended to the bus under that
 * row's id, once. Each instance deletes, every second, the rows whose broadcast Redis took. The
 * leader sweeps rows older than 10 s: those the bus has taken are deleted; the others (their instance
 * died before Redis took them, or Redis lost them) are broadcast again from the stored events, and
 * deleted once the bus has them. So no acknowledged event's broadcast is lost, and none is appended
 * twice.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;

  constructor(
    private readonly cluster: ClusterService,
    private readonly outbox: OutboxRepository,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly bus: DomainEventBus,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cluster.clustered)
      this.timer = setInterval(
        () => void this.tick().catch((error: Error) => this.logger.error(`Outbox sweep failed: ${error.message}`)),
        TICK_MS,
      );
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    await this.outbox.delete(this.cluster.takeConfirmed());
    if (++this.ticks % SWEEP_EVERY === 0) await this.sweep();
  }

  /** The rows left behind, a page at a time. */
  @LeaderOnly()
  private async sweep(): Promise<void> {
    const rows = await this.outbox.before(new Date(Date.now() - GRACE_MS));
    if (!rows.length) return;
    const taken = await this.cluster.published(rows.map((row) => row.id));
    if (!taken) return;
    await this.outbox.delete(rows.filter((row) => taken.has(row.id)).map((row) => row.id));
    for (const row of rows.filter((r) => !taken.has(r.id))) {
      const events = await this.events.byIds(row.event_ids);
      this.logger.warn(`Broadcasting again ${events.length} events the bus never took (outbox row ${row.id})`);
      this.bus.emit(DomainEvent.EventsRepublished, { events, outbox: row.id });
    }
  }
}
