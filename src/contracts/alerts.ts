export const RULE_KINDS = [
  'agent_offline',
  'agent_error',
  'session_stuck',
  'cost_budget',
  'error_rate',
  'event_count',
  'backup_failed',
  'no_backup',
  'health',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** api: made over the API; file: loaded from MC_ALERT_RULES, read-only over the API. */
export type Managed = 'api' | 'file';

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What happened to an alert. */
export type AlertChange = 'fired' | 'resolved' | 'acked';

/** An alert as the API shows it, as `alert.changed` carries it and as a notification tells of it. */
export interface AlertView {
  id: number;
  rule_id: string;
  /** The rule's name when it fired. */
  rule_name: string;
  /** `agent:<id>`, `session:<key>` or `fleet`. */
  subject: string;
  severity: Severity;
  state: AlertState;
  /** ISO 8601. */
  started_at: string;
  /** ISO 8601; null while it fires. */
  resolved_at: string | null;
  /** What was measured when it fired; null for yes/no kinds. */
  value: number | null;
  message: string;
  /** ISO 8601; null until acknowledged. */
  acked_at: string | null;
  acked_by: string | null;
  ack_note: string | null;
  /** When its firing or resolution was last notified (ISO 8601): the cooldown counts from here. */
  last_notified_at: string;
}

/** An alert rule as the API shows it, and as alert changes and notifications carry it. */
export interface RuleView {
  id: string;
  name: string;
  kind: RuleKind;
  params: Record<string, unknown>;
  enabled: boolean;
  severity: Severity;
  cooldown_minutes: number;
  notify_resolved: boolean;
  /** Webhook channel ids. */
  channels: string[];
  managed: Managed;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}
