import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-event-bus';
import { DomainEvent } from '../contracts/domain-events';
import { Agent, OpenClawAgent } from '../contracts/fleet';
import { mergeAgent } from './fleet-merge';

/**
 * The fleet: every agent that the workspace or OpenClaw knows, merged by id. It is the one source of
 * `agent.updated` and `agent.removed`, so the gateway, the event log and metrics see one agent, not two.
 * It keeps each source's agent as that source's events announced it, so it never asks a source back.
 */
@Injectable()
export class FleetService {
  private readonly agents = new Map<string, Agent>();
  private readonly fromWorkspace = new Map<string, Agent>();
  private readonly fromOpenClaw = new Map<string, OpenClawAgent>();

  constructor(private readonly bus: DomainEventBus) {}

  listAgents(): Agent[] {
    return [...this.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  getAgent(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  /** The workspace's reading of an agent changed; null when its folder went away. */
  workspaceAgentChanged(id: string, agent: Agent | null): void {
    if (agent) this.fromWorkspace.set(id, agent);
    else this.fromWorkspace.delete(id);
    this.merge(id);
  }

  /** OpenClaw's view of an agent changed; null when OpenClaw no longer knows it. */
  openClawAgentChanged(id: string, agent: OpenClawAgent | null): void {
    if (agent) this.fromOpenClaw.set(id, agent);
    else this.fromOpenClaw.delete(id);
    this.merge(id);
  }

  private merge(id: string): void {
    const previous = this.agents.get(id) ?? null;
    const agent = mergeAgent(this.fromWorkspace.get(id), this.fromOpenClaw.get(id));
    if (!agent) {
      if (!previous) return;
      this.agents.delete(id);
      this.bus.emit(DomainEvent.AgentRemoved, { agent: previous });
      return;
    }
    this.agents.set(id, agent);
    if (JSON.stringify(previous) !== JSON.stringify(agent))
      this.bus.emit(DomainEvent.AgentUpdated, { agent, previous });
  }
}
