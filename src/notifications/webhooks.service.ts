import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import { DomainEventBus } from '../common/domain-event-bus';
import { definedFields } from '../common/patch';
import { editableOverApi } from '../common/rule-file-managed';
import { FieldError, invalidRequest, strictCheck } from '../common/validation';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from '../database/database-writer';
import { DomainEvent } from '../contracts/domain-events';
import { Delivery } from './delivery.entity';
import { CreateWebhookDto, FileWebhookDto, UpdateWebhookDto, WebhookDto } from './dto/webhook.dto';
import { WebhookChannel } from './webhook-channel.entity';
import { ALLOW_HINT, linkLocalKind, normaliseWebhookUrl } from './webhook-url';

export function toWebhookDto(channel: WebhookChannel): WebhookDto {
  const { secret, url, ...shown } = channel;
  return { ...shown, url: shownUrl(url), has_secret: Boolean(secret) };
}

/**
 * A webhook URL up to its first path segment: Slack's and Discord's carry their credentials after it
 * (…/services/T0/B0/XXXX, …/webhooks/123/token), and reads of the API need no token.
 */
export function shownUrl(url: string): string {
  const { origin, pathname, search } = new URL(url);
  const [first, ...rest] = pathname.split('/').filter(Boolean);
  return rest.length || search ? `${origin}/${first ? `${first}/` : ''}…` : url;
}

/** Webhook channels: where notifications go. Secrets are kept to sign requests and never handed out. */
@Injectable()
export class WebhooksService {
  private readonly allowLinkLocal: boolean;

  constructor(
    @InjectRepository(WebhookChannel) private readonly channels: Repository<WebhookChannel>,
    private readonly writer: DatabaseWriter,
    private readonly bus: DomainEventBus,
    config: AppConfig,
  ) {
    this.allowLinkLocal = config.get('MC_WEBHOOK_ALLOW_LINK_LOCAL', { infer: true });
  }

  list(): Promise<WebhookChannel[]> {
    return this.channels.find({ order: { name: 'ASC', id: 'ASC' } });
  }

  async get(id: string): Promise<WebhookChannel> {
    const channel = await this.channels.findOneBy({ id });
    if (!channel) throw new NotFoundException({ message: 'Webhook channel not found', channel_id: id });
    return channel;
  }

  /** The ids among `ids` that name no channel. */
  async unknown(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = new Set(
      (await this.channels.find({ select: { id: true }, where: { id: In(ids) } })).map((c) => c.id),
    );
    return ids.filter((id) => !found.has(id));
  }

  async create(body: CreateWebhookDto): Promise<WebhookChannel> {
    this.assertAllowedHost(body.url);
    const now = new Date().toISOString();
    const channel: WebhookChannel = {
      id: randomUUID(),
      ...channelFields(body),
      managed: 'api',
      created_at: now,
      updated_at: now,
    };
    await this.writer.transaction((m) => m.insert(WebhookChannel, channel));
    return channel;
  }

  async update(id: string, body: UpdateWebhookDto): Promise<WebhookChannel> {
    const channel = this.assertEditable(await this.get(id));
    if (body.url !== undefined) this.assertAllowedHost(body.url);
    const given = definedFields(body);
    if (given.url !== undefined) given.url = normaliseWebhookUrl(given.url);
    const changed: WebhookChannel = { ...channel, ...given, updated_at: new Date().toISOString() };
    await this.writer.transaction((m) => m.update(WebhookChannel, { id }, changed));
    return changed;
  }

  /** Its pending deliveries fail ("the channel was deleted") and rules stop naming it. */
  async delete(id: string): Promise<WebhookChannel> {
    const channel = this.assertEditable(await this.get(id));
    await this.writer.transaction(async (m) => {
      await m.delete(WebhookChannel, { id });
      await failPending(m, [id]);
    });
    this.bus.emit(DomainEvent.WebhookDeleted, { channel_id: id });
    return channel;
  }

  /** A channel entry of the rule file (its `url_env` and `secret_env` already resolved), checked strictly. */
  checkFileChannel(fields: Record<string, unknown>): { value: FileWebhookDto; errors: FieldError[] } {
    return strictCheck(FileWebhookDto, fields);
  }

  /**
   * The rule file's channels, by id: new ones added, changed ones
   * updated, those no longer in the file removed (their ids returned).
   */
  async replaceFromFile(entries: FileWebhookDto[]): Promise<string[]> {
    const now = new Date().toISOString();
    return this.writer.transaction(async (m) => {
      const existing = new Map((await m.find(WebhookChannel)).map((c) => [c.id, c]));
      for (const entry of entries) {
        const refused = this.linkLocal(entry.url);
        if (refused) throw new Error(`MC_ALERT_RULES: channels: the channel "${entry.id}": ${refused}`);
        const before = existing.get(entry.id);
        await m.save(WebhookChannel, {
          id: entry.id,
          ...channelFields(entry),
          managed: 'file',
          created_at: before?.created_at ?? now,
          updated_at: now,
        });
      }
      const kept = new Set(entries.map((e) => e.id));
      const gone = [...existing.values()].filter((c) => c.managed === 'file' && !kept.has(c.id)).map((c) => c.id);
      if (gone.length) await m.delete(WebhookChannel, { id: In(gone) });
      if (gone.length) await failPending(m, gone);
      return gone;
    });
  }

  /** Why the URL's host is refused (link-local, cloud metadata), or null; see MC_WEBHOOK_ALLOW_LINK_LOCAL. */
  private linkLocal(url: string): string | null {
    const { hostname } = new URL(url);
    const kind = this.allowLinkLocal ? null : linkLocalKind(hostname);
    return kind && `url points at ${hostname}, ${kind}; ${ALLOW_HINT}`;
  }

  private assertAllowedHost(url: string): void {
    const refused = this.linkLocal(url);
    if (refused) throw invalidRequest([{ field: 'url', messages: [refused] }]);
  }

  private assertEditable(channel: WebhookChannel): WebhookChannel {
    return editableOverApi(channel, 'Webhook channel', 'channel_id');
  }
}

/**
 * Deleted channels' pending deliveries fail now, not at their
 * next attempt (maybe minutes away); one in flight, at its next.
 */
function failPending(m: EntityManager, channelIds: string[]): Promise<unknown> {
  const failed = { status: 'failed' as const, last_error: 'the channel was deleted', next_attempt_at: null };
  return m.update(Delivery, { channel_id: In(channelIds), status: 'pending' }, failed);
}

/** A channel's settings as given (over the API or in the rule file), with their defaults. */
function channelFields(
  given: CreateWebhookDto,
): Pick<WebhookChannel, 'name' | 'url' | 'format' | 'secret' | 'enabled'> {
  return {
    name: given.name,
    url: normaliseWebhookUrl(given.url),
    format: given.format ?? 'generic',
    secret: given.secret ?? null,
    enabled: given.enabled ?? true,
  };
}
