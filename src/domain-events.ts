import { Agent, OfficeState, Task, TaskQueue } from './workspace/workspace.types';

/**
 * Every domain event of Mission Control, by name, with its payload type.
 * Services emit these through DomainEventBus; listeners use `@OnEvent(DomainEvent.X)`.
 * Modules talk to each other only through these and through the services they export.
 */
export const DomainEvent = {
  AgentUpdated: 'agent.updated',
  AgentRemoved: 'agent.removed',
  OfficeUpdated: 'office.updated',
  TasksUpdated: 'tasks.updated',
} as const;

export type DomainEventName = (typeof DomainEvent)[keyof typeof DomainEvent];

export interface AgentUpdatedEvent {
  agent: Agent;
  /** The agent as it was before, or null when it has just appeared. */
  previous: Agent | null;
}

export interface AgentRemovedEvent {
  agent: Agent;
}

export interface OfficeUpdatedEvent {
  office: OfficeState;
}

export interface TasksUpdatedEvent {
  queue: TaskQueue;
  added: Task[];
  updated: Task[];
  removed: Task[];
}

export interface DomainEventPayloads {
  [DomainEvent.AgentUpdated]: AgentUpdatedEvent;
  [DomainEvent.AgentRemoved]: AgentRemovedEvent;
  [DomainEvent.OfficeUpdated]: OfficeUpdatedEvent;
  [DomainEvent.TasksUpdated]: TasksUpdatedEvent;
}
