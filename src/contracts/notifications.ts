import type { AlertView, RuleView } from './alerts';

export const NOTIFICATION_EVENTS = ['fired', 'resolved', 'acked', 'test'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * What one notification says: the alert as it was at the change, and its rule (null for a test).
 * Alerts hand notifications this much; the outbox keeps `{alert, rule}` as JSON.
 */
export interface Notification {
  event: NotificationEvent;
  alert: AlertView;
  rule: RuleView | null;
}

/** The token under which the app's composition provides alerts with a Notifier (see AlertsModule.forRoot). */
export const NOTIFIER = 'Notifier';

/** What alerts ask of notifications when an alert changes. `Tx` is the caller's open transaction. */
export interface Notifier<Tx> {
  /**
   * Queues one delivery per enabled channel of the rule, inside `tx`: the notification exists exactly
   * when the change it tells of does. Returns how many were queued.
   */
  enqueue(tx: Tx, alert: AlertView, rule: RuleView, event: NotificationEvent): Promise<number>;
}

/** The token under which the app's composition provides alerts with the webhook channels. */
export const WEBHOOK_CHANNELS = 'WebhookChannels';

/** One field's problems, as a 400 answer or a refused rule file lists them. */
export interface FieldProblem {
  field: string;
  messages: string[];
}

/** What alert rules ask of webhook channels: which ids they may name, and the rule file's own channels. */
export interface WebhookChannels<FileChannel extends { id: string } = { id: string }> {
  /** The ids among these that name no channel. */
  unknown(ids: string[]): Promise<string[]>;
  list(): Promise<{ id: string; name: string }[]>;
  /** A channel entry of the rule file (its `url_env` and `secret_env` already resolved), checked strictly. */
  checkFileChannel(fields: Record<string, unknown>): { value: FileChannel; errors: FieldProblem[] };
  /** The rule file's channels in place of the last ones; the ids of those it no longer has. */
  replaceFromFile(entries: FileChannel[]): Promise<string[]>;
}
