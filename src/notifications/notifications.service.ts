import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { newestFirst, pageOf } from '../common/cursor';
import { DatabaseWriter } from '../database/database-writer';
import type { AlertView, RuleView } from '../contracts/alerts';
import { Delivery } from './delivery.entity';
import { NotificationEvent } from '../contracts/notifications';
import { DeliveryWorker, PER_CHANNEL } from './delivery.worker';
import { DeliveryDto, DeliveryPageDto, DeliveryQuery } from './dto/delivery.dto';
import { WebhookChannel } from './webhook-channel.entity';
import { DELIVERY_TIMEOUT_MS } from './webhook-sender';
import { WebhooksService } from './webhooks.service';

/** Seconds a refused test is told to wait: one attempt's longest. */
export const BUSY_RETRY_AFTER_S = DELIVERY_TIMEOUT_MS / 1000;

/** 429: the channel already has PER_CHANNEL deliveries or tests under way; nothing was sent or recorded. */
export class ChannelBusyException extends HttpException {
  constructor(channelId: string) {
    super(
      {
        message: `Webhook channel ${channelId} already has ${PER_CHANNEL} deliveries or tests under way; nothing was sent, try again after ${BUSY_RETRY_AFTER_S} s`,
        channel_id: channelId,
        retry_after_seconds: BUSY_RETRY_AFTER_S,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

const toDeliveryDto = ({ payload: _payload, ...delivery }: Delivery): DeliveryDto => delivery;

/** The notifications door: queue what an alert change must tell its channels, list what was sent, test a channel. */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectRepository(Delivery) private readonly deliveries: Repository<Delivery>,
    private readonly webhooks: WebhooksService,
    private readonly worker: DeliveryWorker,
    private readonly writer: DatabaseWriter,
  ) {}

  /**
   * Queues one delivery per enabled channel of the rule, inside the caller's transaction: the
   * notification exists exactly when the change it tells of does. Returns how many were queued.
   */
  async enqueue(manager: EntityManager, alert: AlertView, rule: RuleView, event: NotificationEvent): Promise<number> {
    if (!rule.channels.length) return 0;
    const channels = await manager.findBy(WebhookChannel, { id: In(rule.channels), enabled: true });
    if (!channels.length) return 0;
    const now = new Date().toISOString();
    const payload = JSON.stringify({ alert, rule });
    await manager.insert(
      Delivery,
      channels.map((c) => ({
        ...newDelivery(c.id, event, payload, now),
        alert_id: alert.id,
        rule_id: rule.id,
        next_attempt_at: now,
      })),
    );
    return channels.length;
  }

  /** Sends a `test` notification now, records it as a delivery, and answers with how it went. */
  async test(channelId: string): Promise<DeliveryDto> {
    const channel = await this.webhooks.get(channelId);
    const now = new Date().toISOString();
    const sample: AlertView = {
      id: 0,
      rule_id: 'test',
      rule_name: 'Test notification',
      subject: 'fleet',
      severity: 'info',
      state: 'firing',
      started_at: now,
      resolved_at: null,
      value: null,
      message: `A test notification from Mission Control to "${channel.name}"`,
      acked_at: null,
      acked_by: null,
      ack_note: null,
      last_notified_at: now,
    };
    // Never picked up by the worker: it has no next attempt.
    const row = {
      ...newDelivery(channel.id, 'test', JSON.stringify({ alert: sample, rule: null }), now),
      alert_id: null,
      rule_id: null,
      next_attempt_at: null,
    } as Delivery;
    const sent = await this.worker.inSlot(channel.id, async () => {
      row.id = (await this.writer.transaction((m) => m.insert(Delivery, row))).identifiers[0].id;
      return this.worker.attemptOnce(row, channel);
    });
    if (!sent) throw new ChannelBusyException(channel.id);
    return toDeliveryDto(sent);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(q: DeliveryQuery): Promise<DeliveryPageDto> {
    const query = newestFirst(this.deliveries.createQueryBuilder('d'), { time: 'd.created_at', id: 'd.id' }, q);
    if (q.channel_id) query.andWhere('d.channel_id = :channel', { channel: q.channel_id });
    if (q.status) query.andWhere('d.status = :status', { status: q.status });
    const { items, next_cursor } = pageOf(await query.getMany(), q.limit, (d) => ({
      timestamp: d.created_at,
      id: d.id,
    }));
    return { deliveries: items.map(toDeliveryDto), next_cursor };
  }
}

function newDelivery(channelId: string, event: NotificationEvent, payload: string, now: string) {
  return {
    channel_id: channelId,
    event,
    payload,
    status: 'pending' as const,
    attempts: 0,
    http_status: null,
    last_error: null,
    created_at: now,
    last_attempt_at: null,
    delivered_at: null,
  };
}
