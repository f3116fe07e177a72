import type { AlertChange, AlertView, RuleView } from './alerts';
import type { BackupRecord } from './backups';
import type { Agent, OfficeState, OpenClawAgent, Task, TaskQueue } from './fleet';
import type { GatewayEventReceivedEvent, GatewayStateChangedEvent } from './gateways';
import type { AgentMetricRow, SystemMetricRow } from './metric-figures';
import type { SessionView } from './sessions';

export type { AlertChange } from './alerts';
export type { GatewayEventReceivedEvent, GatewayStateChangedEvent } from './gateways';

/**
 * Every domain event of Mission Control, by name, with its payload type (plain data, never an entity
 * or a DTO class). Services emit these through DomainEventBus; each module that reacts to them does so
 * in a `<topic>.listener.ts` named for the topic of the events (the sections below), which calls its
 * services. Modules talk to each other only through these and through the services they export.
 */
export const DomainEvent = {
  // Topic "fleet": what watching the workspace and OpenClaw finds.
  /** One agent's folder in the workspace changed or went away; the fleet merges it with OpenClaw's view. */
  WorkspaceAgentChanged: 'workspace.agent_changed',
  /** One agent as OpenClaw's records show it changed or went away. */
  OpenClawAgentChanged: 'openclaw.agent_changed',
  /** The merged fleet view of an agent (workspace and OpenClaw) changed. */
  AgentUpdated: 'agent.updated',
  AgentRemoved: 'agent.removed',
  OfficeUpdated: 'office.updated',
  TasksUpdated: 'tasks.updated',
  SessionUpdated: 'session.updated',
  SessionStuck: 'session.stuck',
  // Topic "event-log": entries of the event log.
  EventsLogged: 'events.logged',
  /** Cluster mode: events whose broadcast never reached the bus (their instance died first), for the gateway only. */
  EventsRepublished: 'events.republished',
  // Topic "metrics".
  MetricsCollected: 'metrics.collected',
  // Topic "backups".
  BackupCompleted: 'backup.completed',
  BackupFailed: 'backup.failed',
  BackupDeleted: 'backup.deleted',
  BackupRestored: 'backup.restored',
  // Topic "alerting": alerts and where they are sent.
  /** An alert fired, resolved or was acknowledged; its notifications are already in the outbox. */
  AlertChanged: 'alert.changed',
  /** A webhook channel was deleted: rules stop naming it. */
  WebhookDeleted: 'webhook.deleted',
  // Topic "gateways": OpenClaw gateways Mission Control is connected to (emitted by the leader, which holds them).
  /** A gateway connection's state changed. */
  GatewayStateChanged: 'gateway.state_changed',
  /** An event frame arrived from a connected gateway. */
  GatewayEventReceived: 'gateway.event_received',
} as const;

export type DomainEventName = (typeof DomainEvent)[keyof typeof DomainEvent];

/** The agent as the workspace now reads it, so that the fleet never asks the workspace for it back. */
export interface WorkspaceAgentChangedEvent {
  agent_id: string;
  /** Null when its folder went away. */
  agent: Agent | null;
}

/** The agent as OpenClaw's records now show it. */
export interface OpenClawAgentChangedEvent {
  agent_id: string;
  /** Null when OpenClaw no longer knows it. */
  agent: OpenClawAgent | null;
}

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

export interface SessionUpdatedEvent {
  session: SessionView;
  /** The session as it was before, or null when it has just appeared. */
  previous: SessionView | null;
}

export interface SessionStuckEvent {
  session: SessionView;
  /** Minutes without activity while a run is in progress. */
  idle_minutes: number;
}

/** One entry of the event log, as stored. */
export interface LoggedEvent {
  id: number;
  timestamp: string;
  type: string;
  agent_id: string | null;
  data: Record<string, unknown>;
}

/** The events of one request (or one internal event), once committed, in order: one emission, not one per event. */
export interface EventsLoggedEvent {
  events: LoggedEvent[];
  /** Cluster mode: the outbox row that keeps these events for the bus (see OutboxSweeper). */
  outbox?: number | null;
}

export interface MetricsCollectedEvent {
  system: SystemMetricRow;
  agents: AgentMetricRow[];
  duration_ms: number;
}

export interface BackupCompletedEvent {
  backup: BackupRecord;
}

export interface BackupFailedEvent {
  type: string;
  agent_id: string | null;
  operation: 'backup' | 'verify' | 'restore' | 'import';
  error: string;
}

export interface BackupDeletedEvent {
  backup: BackupRecord;
  reason: 'retention' | 'request';
}

export interface BackupRestoredEvent {
  backup: BackupRecord;
  /** Only this agent's folder was restored; null for the whole workspace. */
  agent_id: string | null;
  restored_files: number;
  safety_backup_id: string;
}

export interface AlertChangedEvent {
  change: AlertChange;
  alert: AlertView;
  /** Null when an alert of a deleted rule is acknowledged. */
  rule: RuleView | null;
  /** The agent the alert is about, when its subject is one. */
  agent_id: string | null;
  /** False for a resolution of a rule with notify_resolved off: recorded and shown, not announced. */
  announce: boolean;
}

export interface WebhookDeletedEvent {
  channel_id: string;
}

export interface DomainEventPayloads {
  [DomainEvent.WorkspaceAgentChanged]: WorkspaceAgentChangedEvent;
  [DomainEvent.OpenClawAgentChanged]: OpenClawAgentChangedEvent;
  [DomainEvent.AgentUpdated]: AgentUpdatedEvent;
  [DomainEvent.AgentRemoved]: AgentRemovedEvent;
  [DomainEvent.OfficeUpdated]: OfficeUpdatedEvent;
  [DomainEvent.TasksUpdated]: TasksUpdatedEvent;
  [DomainEvent.SessionUpdated]: SessionUpdatedEvent;
  [DomainEvent.SessionStuck]: SessionStuckEvent;
  [DomainEvent.EventsLogged]: EventsLoggedEvent;
  [DomainEvent.EventsRepublished]: EventsLoggedEvent;
  [DomainEvent.MetricsCollected]: MetricsCollectedEvent;
  [DomainEvent.BackupCompleted]: BackupCompletedEvent;
  [DomainEvent.BackupFailed]: BackupFailedEvent;
  [DomainEvent.BackupDeleted]: BackupDeletedEvent;
  [DomainEvent.BackupRestored]: BackupRestoredEvent;
  [DomainEvent.AlertChanged]: AlertChangedEvent;
  [DomainEvent.WebhookDeleted]: WebhookDeletedEvent;
  [DomainEvent.GatewayStateChanged]: GatewayStateChangedEvent;
  [DomainEvent.GatewayEventReceived]: GatewayEventReceivedEvent;
}
