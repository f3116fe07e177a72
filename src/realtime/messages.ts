import {
  AlertChangedEvent,
  AgentRemovedEvent,
  AgentUpdatedEvent,
  BackupCompletedEvent,
  BackupDeletedEvent,
  BackupFailedEvent,
  BackupRestoredEvent,
  LoggedEvent,
  MetricsCollectedEvent,
  SessionStuckEvent,
  SessionUpdatedEvent,
  TasksUpdatedEvent,
} from '../contracts/domain-events';
import { jsonOf } from '../common/json';
import type { SystemFigure } from '../contracts/metric-figures';
import { placeAgents } from '../contracts/office-layout';
import { Agent, agentView, OfficeState } from '../contracts/fleet';
import { BroadcastType } from './channels';

/** One message to broadcast: its type, data, and the agent it is about (for `agent:<id>` channels). */
export interface Outgoing {
  type: BroadcastType;
  data: Record<string, unknown> | JsonText;
  agentId: string | null;
}

/** A message's `data` already written as JSON, so that the envelope does not serialise it again. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** `data` as it goes into the envelope. */
export function dataJson(data: Outgoing['data']): string {
  return data instanceof JsonText ? data.text : JSON.stringify(data);
}

/** Keys of an activity that Mission Control sets, overriding an event's data. */
const ACTIVITY_KEYS = ['action', 'event_id', 'timestamp'];

/**
 * An agent_activity's data, `{agent, activity: {...the event's data, action, event_id, timestamp}}`,
 * written around the event's data as the event log serialised it (jsonOf remembers it), rather than
 * serialising every event's data again. Data that holds one of the keys the activity sets is written as an
 * object, so the text never repeats a key.
 */
function activityData(event: LoggedEvent & { agent_id: string }): Outgoing['data'] {
  const data = event.data;
  if (ACTIVITY_KEYS.some((key) => Object.hasOwn(data, key))) {
    return {
      agent: event.agent_id,
      activity: { ...data, action: event.type, event_id: event.id, timestamp: event.timestamp },
    };
  }
  const inner = (jsonOf(data) ?? '{}').slice(1, -1);
  const set = `"action":${JSON.stringify(event.type)},"event_id":${event.id},"timestamp":${JSON.stringify(event.timestamp)}`;
  return new JsonText(`{"agent":${JSON.stringify(event.agent_id)},"activity":{${inner}${inner ? ',' : ''}${set}}}`);
}

type Level = 'info' | 'success' | 'warning' | 'error';

export function notification(
  title: string,
  message: string,
  level: Level,
  data: Record<string, unknown> = {},
): Outgoing {
  const agentId = typeof data.agent_id === 'string' ? data.agent_id : null;
  return { type: 'notification', data: { title, message, level, data }, agentId };
}

/** The normalised agent with its raw state inside, as dashboards show it. */
export function agentStatus(agent: Agent, extra: Record<string, unknown> = {}): Outgoing {
  return {
    type: 'agent_status',
    data: { agent: agent.id, state: { ...agentView(agent), state: agent.state, ...extra } },
    agentId: agent.id,
  };
}

export function fromAgentUpdated({ agent, previous }: AgentUpdatedEvent): Outgoing[] {
  const messages = [agentStatus(agent)];
  const wentTo = previous && previous.status !== agent.status ? agent.status : null;
  if (wentTo === 'offline')
    messages.push(notification('Agent offline', `${agent.name} went offline`, 'warning', { agent_id: agent.id }));
  if (wentTo === 'error') {
    messages.push(
      notification('Agent error', `${agent.name} reports ${agent.raw_status ?? 'an error'}`, 'error', {
        agent_id: agent.id,
      }),
    );
  }
  return messages;
}

export function fromAgentRemoved({ agent }: AgentRemovedEvent): Outgoing[] {
  return [
    agentStatus({ ...agent, status: 'offline' }, { removed: true }),
    notification('Agent removed', `${agent.name}'s folder is gone from the workspace`, 'warning', {
      agent_id: agent.id,
    }),
  ];
}

export function agentPosition(office: OfficeState | null): Outgoing {
  return { type: 'agent_position', data: { ...(office?.raw ?? {}), positions: placeAgents(office) }, agentId: null };
}

export function fromLoggedEvent(event: LoggedEvent): Outgoing[] {
  if (!event.agent_id) return [];
  const messages: Outgoing[] = [
    {
      type: 'agent_activity',
      data: activityData(event as LoggedEvent & { agent_id: string }),
      agentId: event.agent_id,
    },
  ];
  if (event.type === 'task_failed') {
    const task = event.data.task_id ?? event.data.task ?? event.data.description;
    const what = task === undefined ? 'a task' : `task ${String(task)}`;
    messages.push(
      notification('Task failed', `${event.agent_id} failed ${what}`, 'error', {
        agent_id: event.agent_id,
        event_id: event.id,
        ...event.data,
      }),
    );
  }
  return messages;
}

export function fromTasksUpdated({ added, updated, removed }: TasksUpdatedEvent): Outgoing[] {
  const messages: Outgoing[] = [
    { type: 'task_update', data: { type: 'task_queue_changed', added, updated, removed }, agentId: null },
  ];
  for (const task of updated.filter((t) => t.status === 'failed')) {
    messages.push(
      notification('Task failed', `${task.text || task.id} failed`, 'error', {
        task_id: task.id,
        agent_id: task.assigned_to,
      }),
    );
  }
  return messages;
}

/** The collection figures broadcast as system_metric messages (those of the original protocol), with their units. */
const UNITS: { [K in SystemFigure]?: string } = {
  total_agents: 'agents',
  active_agents: 'agents',
  idle_agents: 'agents',
  offline_agents: 'agents',
  total_tasks_completed: 'tasks',
  total_tasks_pending: 'tasks',
  total_tasks_failed: 'tasks',
  system_health_score: 'ratio',
  avg_response_time: 'ms',
  events_per_minute: 'events/min',
};

export function fromMetricsCollected({ system }: MetricsCollectedEvent): Outgoing[] {
  return Object.entries(UNITS).map(([metric, unit]) => ({
    type: 'system_metric' as const,
    data: { metric, value: system[metric as SystemFigure], unit },
    agentId: null,
  }));
}

export function fromSessionUpdated({ session }: SessionUpdatedEvent): Outgoing[] {
  return [{ type: 'session_update', data: { ...session }, agentId: session.agent_id }];
}

export function fromSessionStuck({ session, idle_minutes }: SessionStuckEvent): Outgoing[] {
  return [
    notification(
      'Session stuck',
      `${session.agent_id}'s session ${session.key} has had a run in progress with no activity for ${idle_minutes} minutes`,
      'warning',
      {
        agent_id: session.agent_id,
        session_key: session.key,
        session_id: session.session_id,
        idle_minutes,
      },
    ),
  ];
}

export function fromBackupCompleted({ backup }: BackupCompletedEvent): Outgoing[] {
  const what = backup.type === 'agent_state' ? `of ${backup.agent_id}` : backup.type;
  return [
    notification('Backup done', `Backup ${backup.id} (${what}) is ready and verified`, 'success', {
      backup_id: backup.id,
      type: backup.type,
      agent_id: backup.agent_id,
    }),
  ];
}

export function fromBackupFailed(event: BackupFailedEvent): Outgoing[] {
  return [notification(`Backup ${event.operation} failed`, event.error, 'error', { ...event })];
}

export function fromBackupDeleted({ backup, reason }: BackupDeletedEvent): Outgoing[] {
  return [
    notification('Backup deleted', `Backup ${backup.id} was deleted (${reason})`, 'info', {
      backup_id: backup.id,
      reason,
    }),
  ];
}

export function fromBackupRestored({
  backup,
  agent_id,
  restored_files,
  safety_backup_id,
}: BackupRestoredEvent): Outgoing[] {
  const what = agent_id ? `Agent ${agent_id}` : 'The workspace';
  return [
    notification(
      'Restore done',
      `${what} was restored from backup ${backup.id} (${restored_files} files); safety backup ${safety_backup_id}`,
      'warning',
      {
        backup_id: backup.id,
        agent_id,
        restored_files,
        safety_backup_id,
      },
    ),
  ];
}

const ALERT_LEVELS: Record<string, Level> = { critical: 'error', warning: 'warning', info: 'info' };
const ALERT_TITLES = { fired: 'Alert', resolved: 'Alert resolved', acked: 'Alert acknowledged' };

/**
 * The alert as it is now (with what changed), and a toast for the
 * original dashboards unless the rule keeps resolutions quiet.
 */
export function fromAlertChanged({ change, alert, announce, agent_id: agentId }: AlertChangedEvent): Outgoing[] {
  const messages: Outgoing[] = [{ type: 'alert_update', data: { ...alert, change }, agentId }];
  if (!announce) return messages;
  const level =
    change === 'resolved' ? 'success' : change === 'acked' ? 'info' : (ALERT_LEVELS[alert.severity] ?? 'warning');
  const message =
    change === 'acked'
      ? `${alert.message} (acknowledged by ${alert.acked_by ?? 'someone'}${alert.ack_note ? `: ${alert.ack_note}` : ''})`
      : alert.message;
  messages.push(
    notification(`${ALERT_TITLES[change]}: ${alert.rule_name}`, message, level, {
      alert_id: alert.id,
      rule_id: alert.rule_id,
      subject: alert.subject,
      severity: alert.severity,
      ...(agentId ? { agent_id: agentId } : {}),
    }),
  );
  return messages;
}
