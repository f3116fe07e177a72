import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { FindOptionsWhere, In, LessThanOrEqual, MoreThan, Not, Repository } from 'typeorm';
import { serviceVersion } from '../common/project';
import { isClustered } from '../cluster/cluster-mode';
import { LeaderOnly, LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from '../database/database-writer';
import { PrometheusService } from '../metrics/prometheus.service';
import { backoffMs } from './backoff';
import { Delivery } from './delivery.entity';
import { renderBody } from './formats';
import { Notification } from '../contracts/notifications';
import { signatureHeaders } from './signing';
import { WebhookChannel } from './webhook-channel.entity';
import { AttemptResult, postWebhook } from './webhook-sender';

/** Deliveries to one channel at the same time: a receiver that hangs holds only its own. */
export const PER_CHANNEL = 4;
/** A notification still undelivered this long after it was queued is given up. */
const GIVE_UP_MS = 24 * 3_600_000;
const BATCH = 100;
/** The timer is only a backstop: enqueues and finished sends wake the worker. */
const MAX_SLEEP_MS = 60_000;
const CLUSTER_POLL_MS = 5_000;
/** A delivery whose attempt could not be recorded (the database failing) waits this long before it is tried again. */
const HOLD_MS = 30_000;

/**
 * Sends the outbox: due pending rows, a few at a time per channel, each attempt recorded as soon as
 * it ends (a 2xx marks the row delivered at once, so a restart never sends it again), failures
 * retried with exponential backoff and jitter. At start it resumes whatever is pending.
 */
@Injectable()
@LeaderWork()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy, LeadershipHooks {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly busy = new Map<string, number>();
  /** Deliveries left alone for a while: sending again what could not be recorded would flood the receiver. */
  private readonly held = new Set<number>();
  private readonly stop = new AbortController();
  private readonly baseMs: number;
  private readonly allowLinkLocal: boolean;
  private readonly outcomes: Counter<'channel' | 'outcome'>;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private again = false;

  constructor(
    @InjectRepository(WebhookChannel) private readonly channels: Repository<WebhookChannel>,
    private readonly writer: DatabaseWriter,
    private readonly config: AppConfig,
    prometheus: PrometheusService,
  ) {
    this.baseMs = config.get('MC_WEBHOOK_RETRY_BASE', { infer: true }) * 1000;
    this.allowLinkLocal = config.get('MC_WEBHOOK_ALLOW_LINK_LOCAL', { infer: true });
    this.outcomes = new Counter({
      name: 'mission_control_notifications_total',
      help: 'Webhook delivery attempts by channel and outcome (delivered, retry, failed)',
      labelNames: ['channel', 'outcome'],
      registers: [prometheus.registry],
    });
  }

  onApplicationBootstrap(): void {
    // Other instances of a cluster queue notifications too: the leader looks for them as often.
    if (isClustered(this.config)) this.poll = setInterval(() => this.kick(), CLUSTER_POLL_MS).unref();
  }

  /** Resumes whatever is pending: at start, or what the last leader left. */
  startLeading(): void {
    this.kick();
  }

  /** In-flight attempts are cut short; their rows stay pending and are sent again at the next start. */
  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    await this.passing;
    await Promise.all(this.inFlight.values());
  }

  /** An alert changed, and its notifications were committed with the change: send them now. */
  deliverNow(): void {
    this.kick();
  }

  /** One attempt now, recorded, never retried (a test notification). */
  async attemptOnce(row: Delivery, channel: WebhookChannel): Promise<Delivery> {
    const result = await this.send(row, channel);
    return this.record(row, result, true);
  }

  /**
   * Runs `work` (a test notification) in one of the channel's PER_CHANNEL slots, which deliveries share:
   * a hanging receiver holds no more connections than that. Null, with nothing run, when all are taken.
   */
  async inSlot<T>(channelId: string, work: () => Promise<T>): Promise<T | null> {
    if ((this.busy.get(channelId) ?? 0) >= PER_CHANNEL) return null;
    this.busy.set(channelId, (this.busy.get(channelId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.busy.set(channelId, (this.busy.get(channelId) ?? 1) - 1);
      this.kick();
    }
  }

  /** Runs a pass now, or right after the one running. */
  // One instance of a cluster delivers, so no notification goes out twice.
  @LeaderOnly()
  private kick(): void {
    if (this.stop.signal.aborted) return;
    if (this.passing) return void (this.again = true);
    this.passing = this.pass()
      .catch((error: Error) => this.logger.error(`Delivery pass failed: ${error.message}`))
      .finally(() => {
        this.passing = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pass(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const now = new Date().toISOString();
    const full = [...this.busy].filter(([, n]) => n >= PER_CHANNEL).map(([id]) => id);
    const where: FindOptionsWhere<Delivery> = { status: 'pending', next_attempt_at: LessThanOrEqual(now) };
    if (full.length) where.channel_id = Not(In(full));
    const skip = [...this.inFlight.keys(), ...this.held];
    if (skip.length) where.id = Not(In(skip));
    // In the writers' order: the app shares one SQLite connection, and a read beside an open transaction
    // would see outbox rows that transaction may yet roll back.
    const { due, next } = await this.writer.transaction(async (m) => ({
      due: await m.find(Delivery, { where, order: { next_attempt_at: 'ASC', id: 'ASC' }, take: BATCH }),
      next: await m.findOne(Delivery, {
        where: { status: 'pending', next_attempt_at: MoreThan(now) },
        order: { next_attempt_at: 'ASC' },
      }),
    }));
    for (const row of due) if ((this.busy.get(row.channel_id) ?? 0) < PER_CHANNEL) this.start(row);
    if (next?.next_attempt_at && !this.stop.signal.aborted) {
      this.timer = setTimeout(() => this.kick(), Math.min(MAX_SLEEP_MS, Date.parse(next.next_attempt_at) - Date.now()));
      this.timer.unref();
    }
  }

  private start(row: Delivery): void {
    this.busy.set(row.channel_id, (this.busy.get(row.channel_id) ?? 0) + 1);
    const attempt = this.deliver(row)
      .catch((error: Error) => {
        this.logger.error(
          `Delivery ${row.id} to ${row.channel_id}: ${error.message}; trying again in ${HOLD_MS / 1000} s`,
        );
        this.held.add(row.id);
        setTimeout(() => (this.held.delete(row.id), this.kick()), HOLD_MS).unref();
      })
      .finally(() => {
        this.inFlight.delete(row.id);
        this.busy.set(row.channel_id, (this.busy.get(row.channel_id) ?? 1) - 1);
        this.kick();
      });
    this.inFlight.set(row.id, attempt);
  }

  private async deliver(row: Delivery): Promise<void> {
    const channel = await this.channels.findOneBy({ id: row.channel_id });
    if (!channel?.enabled) {
      await this.record(
        row,
        { ok: false, http_status: null, error: channel ? 'the channel is disabled' : 'the channel was deleted' },
        true,
      );
      return;
    }
    const result = await this.send(row, channel);
    // Cut short by the shutdown: not a real attempt; the row stays as it was for the next start.
    if (!result.ok && this.stop.signal.aborted) return;
    await this.record(row, result);
  }

  private send(row: Delivery, channel: WebhookChannel): Promise<AttemptResult> {
    const notification: Notification = { event: row.event, ...JSON.parse(row.payload) };
    const body = renderBody(channel.format, notification, new Date().toISOString());
    const headers = {
      'content-type': 'application/json',
      'user-agent': `MissionControl/${serviceVersion()}`,
      'x-mc-event': row.event,
      // The same for every attempt of a notification: a receiver can drop one it already has.
      'x-mc-delivery': String(row.id),
      ...(channel.secret ? signatureHeaders(channel.secret, body) : {}),
    };
    return postWebhook(channel.url, body, headers, { stop: this.stop.signal, allowLinkLocal: this.allowLinkLocal });
  }

  private async record(row: Delivery, result: AttemptResult, final = false): Promise<Delivery> {
    const now = Date.now();
    const attempts = row.attempts + 1;
    const delay = backoffMs(this.baseMs, attempts);
    const giveUp = !result.ok && (final || now + delay - Date.parse(row.created_at) > GIVE_UP_MS);
    const changes: Partial<Delivery> = {
      status: result.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
      attempts,
      http_status: result.http_status,
      last_error: result.error?.slice(0, 500) ?? null,
      next_attempt_at: result.ok || giveUp ? null : new Date(now + delay).toISOString(),
      last_attempt_at: new Date(now).toISOString(),
      delivered_at: result.ok ? new Date(now).toISOString() : null,
    };
    await this.writer.transaction((m) => m.update(Delivery, { id: row.id }, changes));
    this.outcomes.inc({ channel: row.channel_id, outcome: result.ok ? 'delivered' : giveUp ? 'failed' : 'retry' });
    return { ...row, ...changes };
  }
}
