import { ConflictException, Injectable, NotFoundException, OnModuleInit, Optional } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { In, Repository } from 'typeorm';
import { ClusterService } from '../cluster/cluster.service';
import { definedFields } from '../common/patch';
import { DatabaseWriter } from '../database/database-writer';
import { DomainEvent, WebhookDeletedEvent } from '../domain-events';
import { WebhooksService } from '../notifications/webhooks.service';
import { AlertRule } from './alert-rule.entity';
import { CreateRuleDto, FileRuleDto, RuleDto, UpdateRuleDto } from './dto/rule.dto';
import { invalidRequest } from '../common/validation';
import { RuleFileLoader } from './rule-file.loader';
import { unknownChannelErrors, validParams } from './rule-validation';

export const toRuleDto = (rule: AlertRule): RuleDto => ({ ...rule, params: { ...rule.params }, channels: [...rule.channels] });

/** A rule that changed: `removed` when deleted. The evaluator re-checks it, or closes its alerts. */
export interface RuleChange {
  rule: AlertRule;
  removed: boolean;
}

/**
 * Alert rules: kept in the database and, for evaluation, in memory (there are few). In a cluster the
 * memory is read again from the database before the API answers, and every 5 s (see AlertEvaluator).
 */
@Injectable()
export class RulesService implements OnModuleInit {
  private readonly rules = new Map<string, AlertRule>();
  readonly changes = new Subject<RuleChange>();

  constructor(
    @InjectRepository(AlertRule) private readonly repository: Repository<AlertRule>,
    private readonly writer: DatabaseWriter,
    private readonly webhooks: WebhooksService,
    private readonly ruleFile: RuleFileLoader,
    @Optional() private readonly cluster?: ClusterService,
  ) {}

  /** Loads the rules, then the rule file's over them (a bad file stops the start). */
  async onModuleInit(): Promise<void> {
    for (const rule of await this.repository.find()) this.rules.set(rule.id, rule);
    const fromFile = await this.ruleFile.load();
    if (!fromFile) return;
    await this.replaceFromFile(fromFile.rules);
    // Domain events are not delivered yet while the app starts.
    for (const id of fromFile.removedChannels) await this.onWebhookDeleted({ channel_id: id });
  }

  /** Every rule, as the API lists them. */
  async all(): Promise<AlertRule[]> {
    await this.refresh();
    return this.list();
  }

  /** One rule, as the API shows it. */
  async one(id: string): Promise<AlertRule> {
    await this.refresh();
    return this.get(id);
  }

  /**
   * Cluster mode: the rules as stored, where another instance may have created, changed or deleted
   * some. Each difference is announced as a change, so the leader's evaluator checks the rule again
   * or closes its alerts.
   */
  async refresh(): Promise<void> {
    if (!this.cluster?.clustered) return;
    const stored = new Map((await this.repository.find()).map((rule) => [rule.id, rule]));
    for (const [id, rule] of this.rules) if (!stored.has(id)) this.removed(rule);
    for (const [id, rule] of stored) if (JSON.stringify(this.rules.get(id)) !== JSON.stringify(rule)) this.changed(rule);
  }

  list(): AlertRule[] {
    return [...this.rules.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Called for every logged event: no sorting. */
  enabled(): AlertRule[] {
    return [...this.rules.values()].filter((r) => r.enabled);
  }

  find(id: string): AlertRule | undefined {
    return this.rules.get(id);
  }

  get(id: string): AlertRule {
    const rule = this.rules.get(id);
    if (!rule) throw new NotFoundException({ message: 'Alert rule not found', rule_id: id });
    return rule;
  }

  async create(body: CreateRuleDto): Promise<AlertRule> {
    const now = new Date().toISOString();
    const rule = await this.checked({ id: randomUUID(), ...withDefaults(body), managed: 'api', created_at: now, updated_at: now });
    await this.writer.transaction((m) => m.save(AlertRule, rule));
    return this.changed(rule);
  }

  async update(id: string, body: UpdateRuleDto): Promise<AlertRule> {
    const before = assertEditable(await this.one(id));
    const rule = await this.checked({ ...before, ...definedFields(body), updated_at: new Date().toISOString() });
    await this.writer.transaction((m) => m.save(AlertRule, rule));
    return this.changed(rule);
  }

  async delete(id: string): Promise<AlertRule> {
    const rule = assertEditable(await this.one(id));
    await this.writer.transaction((m) => m.delete(AlertRule, { id }));
    return this.removed(rule);
  }

  /**
   * The rule file's rules, by id: new ones added, changed ones updated, those no longer in the file
   * removed (their firing alerts are resolved at start, see AlertsService.closeOrphans).
   */
  private async replaceFromFile(entries: FileRuleDto[]): Promise<void> {
    const now = new Date().toISOString();
    const rules = entries.map((e): AlertRule => ({ ...withDefaults(e), id: e.id, managed: 'file', created_at: this.rules.get(e.id)?.created_at ?? now, updated_at: now }));
    const gone = [...this.rules.values()].filter((r) => r.managed === 'file' && !entries.some((e) => e.id === r.id));
    await this.writer.transaction(async (m) => {
      for (const rule of rules) await m.save(AlertRule, rule);
      if (gone.length) await m.delete(AlertRule, { id: In(gone.map((r) => r.id)) });
    });
    for (const rule of gone) this.rules.delete(rule.id);
    for (const rule of rules) this.rules.set(rule.id, rule);
  }

  /** Rules stop naming a deleted channel (file rules too: the file is checked again at the next start). */
  @OnEvent(DomainEvent.WebhookDeleted)
  async onWebhookDeleted({ channel_id }: WebhookDeletedEvent): Promise<void> {
    for (const rule of this.list().filter((r) => r.channels.includes(channel_id))) {
      const channels = rule.channels.filter((id) => id !== channel_id);
      await this.writer.transaction((m) => m.update(AlertRule, { id: rule.id }, { channels }));
      this.rules.set(rule.id, { ...rule, channels });
    }
  }

  /** The params checked against the kind, and every channel known. */
  private async checked(rule: AlertRule): Promise<AlertRule> {
    const params = validParams(rule.kind, rule.params);
    const unknown = await this.webhooks.unknown(rule.channels);
    if (unknown.length) throw invalidRequest(unknownChannelErrors(unknown));
    return { ...rule, params, channels: [...new Set(rule.channels)] };
  }

  private changed(rule: AlertRule): AlertRule {
    this.rules.set(rule.id, rule);
    this.changes.next({ rule, removed: false });
    return rule;
  }

  private removed(rule: AlertRule): AlertRule {
    this.rules.delete(rule.id);
    this.changes.next({ rule, removed: true });
    return rule;
  }
}

function withDefaults(body: CreateRuleDto) {
  return {
    name: body.name,
    kind: body.kind,
    params: body.params ?? {},
    enabled: body.enabled ?? true,
    severity: body.severity ?? 'warning',
    cooldown_minutes: body.cooldown_minutes ?? 15,
    notify_resolved: body.notify_resolved ?? true,
    channels: body.channels ?? [],
  };
}

function assertEditable(rule: AlertRule): AlertRule {
  if (rule.managed === 'file') {
    throw new ConflictException({ message: `Alert rule ${rule.id} comes from the rule file (MC_ALERT_RULES) and is read-only over the API: change the file and restart`, rule_id: rule.id });
  }
  return rule;
}
