import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, SessionUpdatedEvent } from '../contracts/domain-events';
import { AlertEvaluator } from './alert-evaluator.service';
import { AgentKinds } from './evaluators/agent-kinds';

/** The fleet's events: agent rules are evaluated again; stuck sessions are kept for session_stuck first. */
@Injectable()
export class AlertsFleetListener {
  constructor(
    private readonly evaluator: AlertEvaluator,
    private readonly agentKinds: AgentKinds,
  ) {}

  @OnEvent(DomainEvent.AgentUpdated)
  @OnEvent(DomainEvent.AgentRemoved)
  onAgentChanged(): void {
    this.evaluator.agentsChanged();
  }

  @OnEvent(DomainEvent.SessionUpdated)
  onSessionUpdated({ session }: SessionUpdatedEvent): void {
    this.agentKinds.sessionUpdated(session);
    this.evaluator.sessionsChanged();
  }
}
