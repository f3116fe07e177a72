import { Inject, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { In, Repository } from 'typeorm';
import { isClustered } from '../cluster/cluster-mode';
import { definedFields } from '../common/patch';
import { editableOverApi } from '../common/rule-file-managed';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from '../database/database-writer';
import { WEBHOOK_CHANNELS, WebhookChannels } from '../contracts/notifications';
import { AlertRule } from './alert-rule.entity';
import { CreateRuleDto, FileRuleDto, RuleDto, UpdateRuleDto } from './dto/rule.dto';
import { invalidRequest } from '../common/validation';
import { RuleFileLoader } from './rule-file.loader';
import { unknownChannelErrors, validParams } from './rule-validation';

export const toRuleDto = (rule: AlertRule): RuleDto => ({
  ...rule,
  params: { ...rule.params },
  channels: [...rule.channels],
});

/** A rule that changed: `removed` when deleted. The evaluator re-checks it, or closes its alerts. */
export interface RuleChange {
  rule: AlertRule;
  removed: boolean;
}

/**
 * Alert rules: kept in the database and, for evaluation, in memory (there are few). In a cluster the
 * memory is read again from the database before the API answers, and every 5 s (see AlertEvaluator).
 * Every change runs alone, from reading the rule to updating the memory, so that none writes back
 * a rule another has just changed or deleted.
 */
@Injectable()
export class RulesService implements OnModuleInit {
  private readonly logger = new Logger(RulesService.name);
  private readonly rules = new Map<string, AlertRule>();
  readonly changes = new Subject<RuleChange>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Cluster mode: another instance may change the stored rules. */
  private readonly clustered: boolean;

  constructor(
    @InjectRepository(AlertRule) private readonly repository: Repository<AlertRule>,
    private readonly writer: DatabaseWriter,
    @Inject(WEBHOOK_CHANNELS) private readonly webhooks: WebhookChannels,
    private readonly ruleFile: RuleFileLoader,
    config: AppConfig,
  ) {
    this.clustered = isClustered(config);
  }

  /** Loads the rules, then the rule file's over them (a bad file stops the start). */
  async onModuleInit(): Promise<void> {
    for (const rule of await this.repository.find()) this.rules.set(rule.id, rule);
    const fromFile = await this.ruleFile.load();
    if (!fromFile) return;
    await this.replaceFromFile(fromFile.path, fromFile.rules);
    // Domain events are not delivered yet while the app starts.
    for (const id of fromFile.removedChannels) await this.serially(() => this.dropChannel(id));
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
    if (this.clustered) await this.serially(() => this.reread());
  }

  private async reread(): Promise<void> {
    if (!this.clustered) return;
    const stored = new Map((await this.repository.find()).map((rule) => [rule.id, rule]));
    for (const [id, rule] of this.rules) if (!stored.has(id)) this.removed(rule);
    for (const [id, rule] of stored)
      if (JSON.stringify(this.rules.get(id)) !== JSON.stringify(rule)) this.changed(rule);
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

  create(body: CreateRuleDto): Promise<AlertRule> {
    return this.serially(async () => {
      const now = new Date().toISOString();
      const rule = await this.checked({
        id: randomUUID(),
        ...withDefaults(body),
        managed: 'api',
        created_at: now,
        updated_at: now,
      });
      await this.writer.transaction((m) => m.save(AlertRule, rule));
      return this.changed(rule);
    });
  }

  update(id: string, body: UpdateRuleDto): Promise<AlertRule> {
    return this.serially(async () => {
      await this.reread();
      const before = assertEditable(this.get(id));
      const rule = await this.checked({ ...before, ...definedFields(body), updated_at: new Date().toISOString() });
      // A rule another instance deleted meanwhile is not written back.
      const stored = await this.writer.transaction(
        async (m) => (await m.existsBy(AlertRule, { id })) && m.save(AlertRule, rule),
      );
      if (!stored) throw this.gone(before);
      return this.changed(rule);
    });
  }

  delete(id: string): Promise<AlertRule> {
    return this.serially(async () => {
      await this.reread();
      const rule = assertEditable(this.get(id));
      await this.writer.transaction((m) => m.delete(AlertRule, { id }));
      return this.removed(rule);
    });
  }

  /**
   * The rule file's rules, by id: new ones added, changed ones updated, those no longer in the file
   * removed (their firing alerts are resolved at start, see AlertsService.closeOrphans).
   */
  private async replaceFromFile(path: string, entries: FileRuleDto[]): Promise<void> {
    const now = new Date().toISOString();
    const rules = entries.map((e): AlertRule => ({
      ...withDefaults(e),
      id: e.id,
      managed: 'file',
      created_at: this.rules.get(e.id)?.created_at ?? now,
      updated_at: now,
    }));
    const gone = this.list().filter((r) => r.managed === 'file' && !entries.some((e) => e.id === r.id));
    await this.writer.transaction(async (m) => {
      for (const rule of rules) await m.save(AlertRule, rule);
      if (gone.length) await m.delete(AlertRule, { id: In(gone.map((r) => r.id)) });
    });
    // Never silent: a file emptied by mistake would otherwise take every file rule with it unseen.
    if (gone.length) {
      const which = gone.map((r) => `${JSON.stringify(r.name)} (${r.id})`).join(', ');
      this.logger.warn(`Alert rule file ${path} removes ${plural(gone.length, 'rule')} it no longer has: ${which}`);
    }
    for (const rule of gone) this.rules.delete(rule.id);
    for (const rule of rules) this.rules.set(rule.id, rule);
  }

  /**
   * Rules stop naming a deleted channel (file rules too: the file is checked again at the next start).
   * Each rule is read and written as stored, in turn with the API's changes: one deleted meanwhile stays deleted.
   */
  channelDeleted(channelId: string): Promise<void> {
    return this.serially(() => this.dropChannel(channelId)).catch((error: Error) => {
      this.logger.error(`Removing the deleted channel ${channelId} from alert rules failed: ${error.message}`);
    });
  }

  private async dropChannel(channelId: string): Promise<void> {
    for (const { id } of this.list().filter((r) => r.channels.includes(channelId))) {
      const stored = await this.writer.transaction(async (m) => {
        const rule = await m.findOneBy(AlertRule, { id });
        if (!rule) return null;
        const channels = rule.channels.filter((c) => c !== channelId);
        await m.update(AlertRule, { id }, { channels });
        return { ...rule, channels };
      });
      if (stored) this.rules.set(id, stored);
      else if (this.rules.has(id)) this.removed(this.rules.get(id)!);
    }
  }

  /** The params checked against the kind, and every channel known. */
  private async checked(rule: AlertRule): Promise<AlertRule> {
    const params = validParams(rule.kind, rule.params);
    const unknown = await this.webhooks.unknown(rule.channels);
    if (unknown.length) throw invalidRequest(unknownChannelErrors(unknown));
    return { ...rule, params, channels: [...new Set(rule.channels)] };
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private gone(rule: AlertRule): NotFoundException {
    this.removed(rule);
    return new NotFoundException({ message: 'Alert rule not found', rule_id: rule.id });
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const assertEditable = (rule: AlertRule): AlertRule => editableOverApi(rule, 'Alert rule', 'rule_id');
