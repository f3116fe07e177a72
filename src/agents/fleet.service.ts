import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEventBus } from '../common/domain-event-bus';
import { DomainEvent, OpenClawAgentChangedEvent, WorkspaceAgentChangedEvent } from '../contracts/domain-events';
import { OpenClawService } from '../openclaw/openclaw.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { Agent } from '../contracts/fleet';
import { mergeAgent } from './fleet-merge';

/**
 * The fleet: every agent that the workspace or OpenClaw knows, merged by id. It is the one source of
 * `agent.updated` and `agent.removed`, so the gateway, the event log and metrics see one agent, not two.
 */
@Injectable()
export class FleetService {
  private readonly agents = new Map<string, Agent>();

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly openclaw: OpenClawService,
    private readonly bus: DomainEventBus,
  ) {}

  listAgents(): Agent[] {
    return [...this.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  getAgent(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  @OnEvent(DomainEvent.WorkspaceAgentChanged)
  @OnEvent(DomainEvent.OpenClawAgentChanged)
  onSourceChanged({ agent_id }: WorkspaceAgentChangedEvent | OpenClawAgentChangedEvent): void {
    const previous = this.agents.get(agent_id) ?? null;
    const agent = mergeAgent(this.workspace.getAgent(agent_id), this.openclaw.getAgent(agent_id));
    if (!agent) {
      if (!previous) return;
      this.agents.delete(agent_id);
      this.bus.emit(DomainEvent.AgentRemoved, { agent: previous });
      return;
    }
    this.agents.set(agent_id, agent);
    if (JSON.stringify(previous) !== JSON.stringify(agent))
      this.bus.emit(DomainEvent.AgentUpdated, { agent, previous });
  }
}
