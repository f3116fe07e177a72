import { api } from '../api.js';
import { dateTime, h, relativeTime } from '../dom.js';

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };

/** Firing alerts first (most severe, then newest), then the history, newest first. */
function byUrgency(a, b) {
  if ((a.state === 'firing') !== (b.state === 'firing')) return a.state === 'firing' ? -1 : 1;
  if (a.state === 'firing' && a.severity !== b.severity)
    return (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3);
  return Date.parse(b.started_at) - Date.parse(a.started_at);
}

/** What an alert is about, in words: the fleet, an agent or a session. */
function subjectText(subject, nameOf) {
  if (!subject || subject === 'fleet') return 'the fleet';
  const [kind, ...rest] = String(subject).split(':');
  const id = rest.join(':');
  if (kind === 'agent') return `agent ${nameOf(id)}`;
  if (kind === 'session') return `session ${id}`;
  return String(subject);
}

/** The Alerts panel: firing alerts first with their severity in colour and in words, acknowledge, history. */
export class AlertsPanel {
  constructor({ table, stateFilter, count }, { toasts, nameOf, ruleName }) {
    this.tbody = h('tbody');
    const headings = ['Severity', 'State', 'Rule', 'About', 'Message', 'Since', 'Acknowledged'];
    table.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      this.tbody,
    );
    this.stateFilter = stateFilter;
    this.count = count;
    this.toasts = toasts;
    this.nameOf = nameOf;
    this.ruleName = ruleName;
    this.alerts = new Map();
    stateFilter.addEventListener('change', () => this.load().catch((e) => toasts.show('Alerts', e.message, 'error')));
  }

  async load() {
    const query = new URLSearchParams({ limit: '100' });
    if (this.stateFilter.value) query.set('state', this.stateFilter.value);
    const { alerts } = await api(`/api/alerts?${query}`);
    this.alerts = new Map(alerts.map((a) => [a.id, a]));
    this.render();
  }

  /** An `alert_update` from the gateway: the alert as it is now. */
  upsert(alert) {
    if (this.stateFilter.value && alert.state !== this.stateFilter.value) this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
    this.render();
  }

  render() {
    const alerts = [...this.alerts.values()].sort(byUrgency);
    const firing = alerts.filter((a) => a.state === 'firing').length;
    this.count.textContent = firing ? `${firing} firing` : 'Nothing firing';
    if (!alerts.length)
      return this.tbody.replaceChildren(
        h(
          'tr',
          {},
          h('td', { colspan: 7 }, this.stateFilter.value === 'firing' ? 'No alert is firing.' : 'No alerts yet.'),
        ),
      );
    this.tbody.replaceChildren(...alerts.map((a) => this.row(a)));
  }

  row(a) {
    const since =
      a.state === 'firing' ? relativeTime(a.started_at) : `${dateTime(a.started_at)} – ${dateTime(a.resolved_at)}`;
    const acked = a.acked_at
      ? h(
          'span',
          {},
          `by ${a.acked_by ?? 'someone'} ${relativeTime(a.acked_at)}`,
          a.ack_note ? h('span', { class: 'muted' }, ` (${a.ack_note})`) : null,
        )
      : a.state === 'firing'
        ? h('button', { type: 'button', onclick: () => this.acknowledge(a) }, 'Acknowledge')
        : '–';
    return h(
      'tr',
      { dataset: { alert: a.id, state: a.state, severity: a.severity } },
      h('td', {}, h('span', { class: 'badge', dataset: { severity: a.severity } }, a.severity)),
      h('td', {}, a.state),
      h('td', {}, a.rule_name ?? this.ruleName(a.rule_id)),
      h('td', {}, subjectText(a.subject, this.nameOf)),
      h('td', { class: 'message-cell' }, a.message ?? ''),
      h('td', {}, h('time', { datetime: a.started_at }, since)),
      h('td', {}, acked),
    );
  }

  async acknowledge(a) {
    try {
      const alert = await api(`/api/alerts/${encodeURIComponent(a.id)}/ack`, {
        method: 'POST',
        json: { by: 'dashboard' },
      });
      this.upsert(alert);
      this.toasts.show('Alert acknowledged', a.message, 'success');
    } catch (error) {
      this.toasts.show('Acknowledge failed', error.message, 'error');
    }
  }
}
