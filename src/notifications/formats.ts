import type { Notification, NotificationEvent } from '../contracts/notifications';
import type { WebhookFormat } from './webhook-channel.entity';

const HEADLINES: Record<NotificationEvent, string> = {
  fired: 'Alert fired',
  resolved: 'Alert resolved',
  acked: 'Alert acknowledged',
  test: 'Test notification',
};
/** Slack's and Discord's own colours for danger, warning, information and success. */
const COLOURS = { critical: 0xe01e5a, warning: 0xecb22e, info: 0x36c5f0, resolved: 0x2eb67d };

function title(n: Notification): string {
  return `${HEADLINES[n.event]}: ${n.rule?.name ?? n.alert.rule_name}`;
}

/** When the change happened, as the alert records it. */
function changedAt(n: Notification, sentAt: string): string {
  if (n.event === 'resolved') return n.alert.resolved_at ?? sentAt;
  if (n.event === 'acked') return n.alert.acked_at ?? sentAt;
  return n.event === 'fired' ? n.alert.started_at : sentAt;
}

/** The facts every format shows, in order. */
function facts(n: Notification): [string, string][] {
  const list: [string, string][] = [
    ['Severity', n.alert.severity],
    ['Subject', n.alert.subject],
    ['Started', n.alert.started_at],
  ];
  if (n.alert.value !== null) list.push(['Value', String(n.alert.value)]);
  if (n.alert.resolved_at) list.push(['Resolved', n.alert.resolved_at]);
  if (n.alert.acked_at)
    list.push(['Acknowledged', `${n.alert.acked_by ?? 'someone'}${n.alert.ack_note ? `: ${n.alert.ack_note}` : ''}`]);
  return list;
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
/** Slack reads &, < and > as markup (links, mentions): plain text must escape them. */
const slackText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack incoming-webhook body: `text` (the notification's fallback) and section blocks in mrkdwn. */
function slack(n: Notification) {
  const head = slackText(title(n));
  return {
    text: cut(`[${n.alert.severity.toUpperCase()}] ${title(n)}: ${n.alert.message}`, 3000),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(`*${head}*\n${slackText(n.alert.message)}`, 3000) } },
      {
        type: 'section',
        fields: facts(n).map(([name, value]) => ({
          type: 'mrkdwn',
          text: cut(`*${name}*\n${slackText(value)}`, 2000),
        })),
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `Mission Control · ${n.event}${n.alert.id ? ` · alert ${n.alert.id}` : ''}` },
        ],
      },
    ],
  };
}

/** A Discord webhook body: `content` and one embed; mentions in the text never ping anyone. */
function discord(n: Notification, sentAt: string) {
  const colour = n.event === 'resolved' ? COLOURS.resolved : COLOURS[n.alert.severity];
  return {
    content: cut(`[${n.alert.severity.toUpperCase()}] ${title(n)}`, 2000),
    embeds: [
      {
        title: cut(title(n), 256),
        description: cut(n.alert.message, 4096),
        color: colour,
        fields: facts(n).map(([name, value]) => ({ name, value: cut(value, 1024), inline: true })),
        timestamp: changedAt(n, sentAt),
        footer: { text: `Mission Control · ${n.event}${n.alert.id ? ` · alert ${n.alert.id}` : ''}` },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

/** The request body for a channel's format. */
export function renderBody(format: WebhookFormat, n: Notification, sentAt: string): string {
  if (format === 'slack') return JSON.stringify(slack(n));
  if (format === 'discord') return JSON.stringify(discord(n, sentAt));
  return JSON.stringify({ alert: n.alert, rule: n.rule, event: n.event, sent_at: sentAt });
}
