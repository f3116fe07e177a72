/** The message types the gateway broadcasts. */
export type BroadcastType =
  | 'agent_status'
  | 'agent_position'
  | 'agent_activity'
  | 'task_update'
  | 'system_metric'
  | 'notification'
  | 'session_update'
  | 'alert_update';

/** Each broadcast type's channel; `*` takes them all, `agent:<id>` one agent's. */
export const CHANNEL_OF: Record<BroadcastType, string> = {
  agent_status: 'agent_status',
  agent_position: 'agent_position',
  agent_activity: 'agent_activity',
  task_update: 'tasks',
  system_metric: 'metrics',
  notification: 'notifications',
  session_update: 'sessions',
  alert_update: 'alerts',
};

const NAMED_CHANNELS = new Set(['*', ...Object.values(CHANNEL_OF)]);
const AGENT_CHANNEL = /^agent:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isChannel(channel: unknown): channel is string {
  return typeof channel === 'string' && (NAMED_CHANNELS.has(channel) || AGENT_CHANNEL.test(channel));
}

/** The channels a message reaches: its type's channel, and its agent's when it is about one. */
export function channelsOf(type: BroadcastType, agentId: string | null): string[] {
  return agentId ? [CHANNEL_OF[type], `agent:${agentId}`] : [CHANNEL_OF[type]];
}

export function wants(subscriptions: Set<string>, channels: string[]): boolean {
  return subscriptions.has('*') || channels.some((c) => subscriptions.has(c));
}
