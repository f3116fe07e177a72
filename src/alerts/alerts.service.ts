import { ConflictException, Inject, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { newestFirst, pageOf } from '../common/cursor';
import { DomainEventBus } from '../common/domain-event-bus';
import { DatabaseWriter } from '../database/database-writer';
import { AlertChange, DomainEvent } from '../contracts/domain-events';
import { NOTIFIER, Notifier } from '../contracts/notifications';
import { Alert } from './alert.entity';
import { AlertRule } from './alert-rule.entity';
import { Severity, SEVERITIES } from '../contracts/alerts';
import { AckAlertDto, AlertDto, AlertPageDto, AlertQuery } from './dto/alert.dto';
import { RuleDto } from './dto/rule.dto';
import { agentOf, Match, Observation } from './evaluators/observation';
import { RulesService, toRuleDto } from './rules.service';

const toAlertDto = (alert: Alert): AlertDto => ({ ...alert });
const keyOf = (ruleId: string, subject: string) => `${ruleId}\n${subject}`;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The alerts door: one firing alert per rule and subject, opened and resolved from the evaluator's
 * observations, acknowledged over the API. Each change is written with its notifications in one
 * transaction, then announced (event log, gateway, delivery). Changes run one at a time.
 */
@Injectable()
export class AlertsService implements OnModuleInit {
  private readonly firing = new Map<string, Alert>();
  /** When each rule and subject was last notified (ms), for cooldowns; -Infinity when never. */
  private readonly lastNotified = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectRepository(Alert) private readonly alerts: Repository<Alert>,
    private readonly rules: RulesService,
    @Inject(NOTIFIER) private readonly notifier: Notifier<EntityManager>,
    private readonly writer: DatabaseWriter,
    private readonly bus: DomainEventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const alert of await this.alerts.findBy({ state: 'firing' }))
      this.firing.set(keyOf(alert.rule_id, alert.subject), alert);
  }

  /** Firing alerts by severity, for Prometheus. */
  firingBySeverity(): Record<Severity, number> {
    const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const alert of this.firing.values()) counts[alert.severity]++;
    return counts;
  }

  /** Newest first, keyset-paginated on (started_at, id). */
  async list(q: AlertQuery): Promise<AlertPageDto> {
    const query = newestFirst(this.alerts.createQueryBuilder('a'), { time: 'a.started_at', id: 'a.id' }, q);
    if (q.state) query.andWhere('a.state = :state', { state: q.state });
    if (q.rule_id) query.andWhere('a.rule_id = :rule', { rule: q.rule_id });
    const { items, next_cursor } = pageOf(await query.getMany(), q.limit, (a) => ({
      timestamp: a.started_at,
      id: a.id,
    }));
    return { alerts: items.map(toAlertDto), next_cursor };
  }

  /** Records who acknowledged it and notifies `acked`; it does not stop the alert from resolving. */
  ack(id: number, body: AckAlertDto): Promise<AlertDto> {
    return this.serially(async () => {
      // From the database: in a cluster the leader may have changed it since this instance last looked.
      const alert = await this.alerts.findOneBy({ id });
      if (!alert) throw new NotFoundException({ message: 'Alert not found', alert_id: id });
      if (alert.acked_at)
        throw new ConflictException({
          message: `Alert ${id} was already acknowledged by ${alert.acked_by ?? 'someone'} at ${alert.acked_at}`,
          alert_id: id,
        });
      const rule = this.rules.find(alert.rule_id);
      const ack = { acked_at: new Date().toISOString(), acked_by: body.by ?? null, ack_note: body.note ?? null };
      const acked = await this.record((m) => patch(m, id, ack), 'acked', rule ? toRuleDto(rule) : null);
      if (acked.state === 'firing') this.firing.set(keyOf(acked.rule_id, acked.subject), acked);
      return toAlertDto(acked);
    });
  }

  /**
   * Cluster mode: the firing alerts as stored, and cooldowns read again when next needed, so that
   * this instance sees what the others changed (an acknowledgement, or the alerts of a leader before it).
   */
  reload(): Promise<void> {
    return this.serially(async () => {
      const firing = await this.alerts.findBy({ state: 'firing' });
      this.firing.clear();
      for (const alert of firing) this.firing.set(keyOf(alert.rule_id, alert.subject), alert);
      this.lastNotified.clear();
    });
  }

  /** Applies what the evaluator saw for one rule at `now`: opens, keeps or resolves its alerts. */
  apply(rule: AlertRule, seen: Observation, now: number): Promise<void> {
    return this.serially(async () => {
      for (const [subject, match] of seen.subjects) {
        const alert = this.firing.get(keyOf(rule.id, subject));
        if (match && !alert && (await this.cooledDown(rule, subject, now))) await this.fire(rule, subject, match, now);
        if (!match && alert) await this.resolve(rule, alert, now);
      }
      if (!seen.exhaustive) return;
      for (const alert of this.firingOf(rule.id))
        if (!seen.subjects.has(alert.subject)) await this.resolve(rule, alert, now);
    });
  }

  /** A rule deleted or disabled: its firing alerts resolve. */
  closeRule(rule: AlertRule, now: number): Promise<void> {
    return this.serially(async () => {
      for (const alert of this.firingOf(rule.id)) await this.resolve(rule, alert, now);
    });
  }

  /**
   * At start: the firing alerts of rules deleted or disabled meanwhile (a
   * rule file that changed) resolve, unannounced when the rule is gone.
   */
  closeOrphans(now: number): Promise<void> {
    return this.serially(async () => {
      for (const alert of [...this.firing.values()]) {
        const rule = this.rules.find(alert.rule_id);
        if (!rule?.enabled) await this.resolve(rule ?? null, alert, now);
      }
    });
  }

  private firingOf(ruleId: string): Alert[] {
    return [...this.firing.values()].filter((a) => a.rule_id === ruleId);
  }

  /**
   * A new alert for a rule and subject only once the cooldown has
   * passed since their last notification: flapping does not spam.
   */
  private async cooledDown(rule: AlertRule, subject: string, now: number): Promise<boolean> {
    const key = keyOf(rule.id, subject);
    if (!this.lastNotified.has(key)) {
      const last = await this.alerts.findOne({
        where: { rule_id: rule.id, subject },
        order: { last_notified_at: 'DESC' },
      });
      this.lastNotified.set(key, last ? Date.parse(last.last_notified_at) : -Infinity);
    }
    return now - this.lastNotified.get(key)! >= rule.cooldown_minutes * 60_000;
  }

  private async fire(rule: AlertRule, subject: string, match: Match, now: number): Promise<void> {
    const opened = {
      rule_id: rule.id,
      rule_name: rule.name,
      subject,
      severity: rule.severity,
      state: 'firing' as const,
      started_at: iso(now),
      resolved_at: null,
      value: match.value,
      message: match.message.slice(0, 1000),
      acked_at: null,
      acked_by: null,
      ack_note: null,
      last_notified_at: iso(now),
    };
    this.firing.set(keyOf(rule.id, subject), await this.record((m) => m.save(Alert, opened), 'fired', toRuleDto(rule)));
    this.lastNotified.set(keyOf(rule.id, subject), now);
  }

  private async resolve(rule: AlertRule | null, alert: Alert, now: number): Promise<void> {
    const announce = rule?.notify_resolved ?? false;
    // The alert clock does not outlive a restart: an alert it
    // fired ahead of the real clock ends no earlier than it began.
    const at = iso(Math.max(now, Date.parse(alert.started_at)));
    const lastNotified = announce ? at : alert.last_notified_at;
    await this.record(
      (m) => patch(m, alert.id, { state: 'resolved', resolved_at: at, last_notified_at: lastNotified }),
      'resolved',
      rule && toRuleDto(rule),
      announce,
    );
    this.firing.delete(keyOf(alert.rule_id, alert.subject));
    this.lastNotified.set(keyOf(alert.rule_id, alert.subject), Date.parse(lastNotified));
  }

  /**
   * Writes the alert and its outbox rows in one transaction, then tells the rest of the service.
   * Memory changes only once the change is committed.
   */
  private async record(
    write: (m: EntityManager) => Promise<Alert>,
    change: AlertChange,
    rule: RuleDto | null,
    announce = true,
  ): Promise<Alert> {
    const saved = await this.writer.transaction(async (m) => {
      const stored = await write(m);
      if (rule && announce) await this.notifier.enqueue(m, toAlertDto(stored), rule, change);
      return stored;
    });
    this.bus.emit(DomainEvent.AlertChanged, {
      change,
      alert: toAlertDto(saved),
      rule,
      announce,
      agent_id: agentOf(saved.subject),
    });
    return saved;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Changes only the given columns of a stored alert: an acknowledgement made on one instance and a
 * resolution by the leader touch different columns, so neither undoes the other.
 */
async function patch(m: EntityManager, id: number, fields: Partial<Alert>): Promise<Alert> {
  await m.update(Alert, { id }, fields);
  return m.findOneByOrFail(Alert, { id });
}
