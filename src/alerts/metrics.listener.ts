import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, MetricsCollectedEvent } from '../contracts/domain-events';
import { AlertEvaluator } from './alert-evaluator.service';
import { CostBudgets } from './evaluators/cost-budget';

/** A collection: its costs are counted, then every rule is evaluated at the collection's time. */
@Injectable()
export class AlertsMetricsListener {
  constructor(
    private readonly evaluator: AlertEvaluator,
    private readonly costs: CostBudgets,
  ) {}

  @OnEvent(DomainEvent.MetricsCollected)
  onCollected({ system, agents }: MetricsCollectedEvent): void {
    this.costs.addCollection(agents);
    this.evaluator.collected(Date.parse(system.timestamp));
  }
}
