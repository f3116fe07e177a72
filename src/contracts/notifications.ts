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
