import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, OpenClawAgentChangedEvent, WorkspaceAgentChangedEvent } from '../contracts/domain-events';
import { FleetViewSync } from './fleet-view-sync';
import { FleetService } from './fleet.service';

/** The fleet's events: the sources' agents are merged into the fleet; any change marks the shared view for sharing. */
@Injectable()
export class AgentsFleetListener {
  constructor(
    private readonly fleet: FleetService,
    private readonly sync: FleetViewSync,
  ) {}

  @OnEvent(DomainEvent.WorkspaceAgentChanged)
  onWorkspaceAgentChanged({ agent_id, agent }: WorkspaceAgentChangedEvent): void {
    this.fleet.workspaceAgentChanged(agent_id, agent);
    this.sync.markDirty();
  }

  @OnEvent(DomainEvent.OpenClawAgentChanged)
  onOpenClawAgentChanged({ agent_id, agent }: OpenClawAgentChangedEvent): void {
    this.fleet.openClawAgentChanged(agent_id, agent);
    this.sync.markDirty();
  }

  @OnEvent(DomainEvent.OfficeUpdated)
  @OnEvent(DomainEvent.TasksUpdated)
  @OnEvent(DomainEvent.SessionUpdated)
  onViewChanged(): void {
    this.sync.markDirty();
  }
}
