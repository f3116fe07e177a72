import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { isClustered } from '../cluster/cluster-mode';
import { LeaderOnly, LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { AppConfig } from '../config/environment';
import type { LoggedEvent } from '../contracts/domain-events';
import { AlertClock } from './alert-clock';
import { AlertRule } from './alert-rule.entity';
import { RULE_KINDS, RuleKind } from '../contracts/alerts';
import { AlertsService } from './alerts.service';
import { AgentKinds } from './evaluators/agent-kinds';
import { CostBudgets } from './evaluators/cost-budget';
import { EventKinds } from './evaluators/event-kinds';
import { Observation } from './evaluators/observation';
import { ServiceKinds } from './evaluators/service-kinds';
import { RuleChange, RulesService } from './rules.service';

/**
 * One evaluation to run: of these kinds (or one rule), at `at` (a collection's time) or, when null,
 * the time it runs (both on the AlertClock); or the closing of a rule deleted or disabled, or at
 * start of any such rule.
 */
interface Batch {
  kinds: Set<RuleKind>;
  ruleId: string | null;
  at: number | null;
  close?: AlertRule | 'orphans';
}

const AGENT_KINDS: RuleKind[] = ['agent_offline', 'agent_error'];
const BACKUP_KINDS: RuleKind[] = ['backup_failed', 'no_backup'];
const EVENT_KINDS: RuleKind[] = ['error_rate', 'event_count'];
/** Cluster mode: how often rules, alerts and the events that other instances logged are looked at again. */
const CLUSTER_TICK_MS = 5_000;

/**
 * Decides when rules are evaluated: on the domain events that can change their verdict, and after
 * every metrics collection (all kinds, at the collection's time, so time alone fires "offline for N
 * minutes" and "no backup for N hours" on time). Evaluations run one after another; requests that
 * arrive meanwhile are merged into one, so a burst of events costs one evaluation, not one each.
 * On PostgreSQL only the leader evaluates, so each alert opens and notifies once. In cluster mode
 * every instance reads rules and firing alerts again every 5 s (another may have changed them), and
 * the leader then counts the events logged on any instance.
 */
@Injectable()
@LeaderWork()
export class AlertEvaluator implements OnApplicationBootstrap, OnModuleDestroy, LeadershipHooks {
  private readonly logger = new Logger(AlertEvaluator.name);
  private readonly queue: Batch[] = [];
  private running: Promise<void> | null = null;
  private started = false;
  private subscription: Subscription | null = null;
  private readonly failing = new Set<string>();
  private tick: NodeJS.Timeout | null = null;
  /** Counts evaluations, so that what one evaluation shares is not shared with the next. */
  private evaluation = 0;
  /** Cluster mode: another instance may change rules and alerts, and log events. */
  private readonly clustered: boolean;

  constructor(
    private readonly rules: RulesService,
    private readonly alerts: AlertsService,
    private readonly agentKinds: AgentKinds,
    private readonly eventKinds: EventKinds,
    private readonly costs: CostBudgets,
    private readonly serviceKinds: ServiceKinds,
    private readonly clock: AlertClock,
    config: AppConfig,
  ) {
    this.clustered = isClustered(config);
  }

  onApplicationBootstrap(): void {
    this.started = true;
    this.subscription = this.rules.changes.subscribe((change) => this.onRuleChanged(change));
    if (this.clustered) this.tick = setInterval(() => void this.lookAgain(), CLUSTER_TICK_MS);
  }

  /**
   * Catches up with what happened while starting, or while another instance led (health waits for
   * the first collection: everything is still coming up).
   */
  startLeading(): void {
    void this.catchUp();
  }

  private async catchUp(): Promise<void> {
    if (!this.started) return;
    await this.reread();
    this.enqueue({ kinds: new Set(), ruleId: null, at: null, close: 'orphans' });
    this.request(RULE_KINDS.filter((k) => k !== 'health'));
  }

  private async lookAgain(): Promise<void> {
    await this.reread();
    this.request(EVENT_KINDS);
  }

  /** Cluster mode: rules and firing alerts as stored; a failure is logged, and the next tick tries again. */
  private async reread(): Promise<void> {
    if (!this.clustered) return;
    try {
      await this.rules.refresh();
      await this.alerts.reload();
    } catch (error) {
      this.logger.warn(`Reading alert rules and alerts again failed: ${(error as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.started = false;
    if (this.tick) clearInterval(this.tick);
    this.subscription?.unsubscribe();
    this.queue.length = 0;
    await this.running;
  }

  /** Resolves once every evaluation asked for so far has run. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** What the listeners (alerts/*.listener.ts) ask for, as the domain events come. */
  agentsChanged(): void {
    this.request(AGENT_KINDS);
  }

  sessionsChanged(): void {
    this.request(['session_stuck']);
  }

  backupsChanged(): void {
    this.request(BACKUP_KINDS);
  }

  /** Only events some rule counts are worth an evaluation. */
  eventsLogged(events: LoggedEvent[]): void {
    const rules = this.rules.enabled();
    const kinds = rules
      .filter((rule) => events.some((event) => EventKinds.concerns(rule, event.type, event.agent_id)))
      .map((rule) => rule.kind);
    if (kinds.length) this.request(kinds);
  }

  /** Every kind, at the collection's time `at` (ms). */
  collected(at: number): void {
    this.request(RULE_KINDS, at);
  }

  private onRuleChanged({ rule, removed }: RuleChange): void {
    if (removed || !rule.enabled) this.enqueue({ kinds: new Set(), ruleId: rule.id, at: null, close: rule });
    else this.request([rule.kind], null, rule.id);
  }

  private request(kinds: readonly RuleKind[], at: number | null = null, ruleId: string | null = null): void {
    const last = this.queue[this.queue.length - 1];
    if (
      this.started &&
      last &&
      !last.close &&
      last.at === null &&
      at === null &&
      last.ruleId === null &&
      ruleId === null
    )
      kinds.forEach((k) => last.kinds.add(k));
    else this.enqueue({ kinds: new Set(kinds), at, ruleId });
  }

  /**
   * Runs after the current turn: every listener of the domain event that asked for it (cost
   * counters, stuck sessions) has seen it by then. Only the leader evaluates (alone, every instance
   * leads), so each alert opens and notifies once.
   */
  @LeaderOnly()
  private enqueue(batch: Batch): void {
    if (!this.started) return;
    this.queue.push(batch);
    this.run();
  }

  private run(): void {
    if (this.running || !this.queue.length) return;
    this.running = Promise.resolve()
      .then(() => this.drain())
      .finally(() => {
        this.running = null;
        this.run();
      });
  }

  private async drain(): Promise<void> {
    for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
      const now = this.clock.next(batch.at);
      this.evaluation++;
      if (batch.close) await this.close(batch.close, now);
      for (const rule of this.rules.enabled()) {
        if (!batch.kinds.has(rule.kind) || (batch.ruleId && rule.id !== batch.ruleId)) continue;
        await this.evaluate(rule, now);
      }
    }
  }

  private async close(rule: AlertRule | 'orphans', now: number): Promise<void> {
    const closing = rule === 'orphans' ? this.alerts.closeOrphans(now) : this.alerts.closeRule(rule, now);
    await closing.catch((error: Error) =>
      this.logger.error(
        `Closing the alerts of ${rule === 'orphans' ? 'rules gone while stopped' : `rule ${rule.id}`}: ${error.message}`,
      ),
    );
  }

  /** One rule's failure (a database error, say) is logged once and does not stop the others. */
  private async evaluate(rule: AlertRule, now: number): Promise<void> {
    try {
      await this.alerts.apply(rule, await this.observe(rule, now), now);
      this.failing.delete(rule.id);
    } catch (error) {
      if (!this.failing.has(rule.id))
        this.logger.error(`Evaluating rule ${rule.id} (${rule.kind}) failed: ${(error as Error).message}`);
      this.failing.add(rule.id);
    }
  }

  private observe(rule: AlertRule, now: number): Observation | Promise<Observation> {
    switch (rule.kind) {
      case 'agent_offline':
        return this.agentKinds.offline(rule, now);
      case 'agent_error':
        return this.agentKinds.error(rule);
      case 'session_stuck':
        return this.agentKinds.sessionStuck(rule, now);
      case 'cost_budget':
        return this.costs.check(rule, now);
      case 'error_rate':
        return this.eventKinds.errorRate(rule, now);
      case 'event_count':
        return this.eventKinds.eventCount(rule, now);
      case 'backup_failed':
        return this.serviceKinds.backupFailed();
      case 'no_backup':
        return this.serviceKinds.noBackup(rule, now);
      case 'health':
        return this.serviceKinds.serviceHealth(this.evaluation);
    }
  }
}
