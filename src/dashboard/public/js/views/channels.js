import { api } from '../api.js';
import { dateTime, h } from '../dom.js';
import { confirmAction } from './confirm.js';

/** Webhook channels: add, test, delete after asking, and each one's delivery log. */
export class ChannelsView {
  constructor({ list, form, error, deliveries }, { toasts, onChange }) {
    this.list = list;
    this.form = form;
    this.error = error;
    this.deliveries = deliveries;
    this.toasts = toasts;
    this.onChange = onChange;
    this.channels = [];
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.create();
    });
  }

  all() {
    return this.channels;
  }

  async load() {
    const { webhooks } = await api('/api/notifications/webhooks');
    this.channels = webhooks;
    if (!webhooks.length) return this.list.replaceChildren(h('li', { class: 'muted' }, 'No channels yet.'));
    this.list.replaceChildren(...webhooks.map((c) => this.item(c)));
  }

  item(c) {
    const fromFile = c.managed === 'file';
    return h(
      'li',
      { dataset: { channel: c.id } },
      h('strong', {}, c.name),
      h(
        'span',
        { class: 'muted' },
        ` ${c.format} · ${c.url}${c.has_secret ? ' · signed' : ''}${c.enabled ? '' : ' · disabled'}${fromFile ? ' · from the rule file' : ''} `,
      ),
      h(
        'span',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => this.test(c) }, 'Send a test'),
        h('button', { type: 'button', onclick: () => this.showDeliveries(c) }, 'Deliveries'),
        h('button', { type: 'button', class: 'danger', disabled: fromFile, onclick: () => this.remove(c) }, 'Delete…'),
      ),
    );
  }

  async create() {
    const f = this.form.elements;
    const channel = { name: f.name.value.trim(), url: f.url.value.trim(), format: f.format.value, enabled: true };
    if (f.secret.value) channel.secret = f.secret.value;
    try {
      await api('/api/notifications/webhooks', { method: 'POST', json: channel });
      this.error.textContent = '';
      this.form.reset();
      this.toasts.show('Channel added', channel.name, 'success');
      await this.refresh();
    } catch (error) {
      this.error.textContent = error.message;
    }
  }

  async test(c) {
    try {
      const result = await api(`/api/notifications/webhooks/${encodeURIComponent(c.id)}/test`, { method: 'POST' });
      const ok = result.status === 'delivered';
      this.toasts.show(
        ok ? 'Test delivered' : 'Test failed',
        `${c.name}: ${result.http_status ? `HTTP ${result.http_status}` : (result.last_error ?? result.status)}`,
        ok ? 'success' : 'error',
      );
    } catch (error) {
      this.toasts.show('Test failed', error.message, 'error');
    }
    await this.showDeliveries(c).catch(() => undefined);
  }

  async showDeliveries(c) {
    const { deliveries } = await api(
      `/api/notifications/deliveries?${new URLSearchParams({ channel_id: c.id, limit: '20' })}`,
    );
    const rows = deliveries.map((d) =>
      h(
        'tr',
        {},
        h('td', {}, dateTime(d.created_at)),
        h('td', {}, d.event),
        h('td', { class: d.status === 'failed' ? 'failed' : null }, d.status),
        h('td', { class: 'num' }, d.http_status ?? '–'),
        h('td', { class: 'num' }, d.attempts),
        h('td', {}, d.last_error ?? ''),
        h('td', {}, d.next_attempt_at ? dateTime(d.next_attempt_at) : '–'),
      ),
    );
    const head = h(
      'tr',
      {},
      ['Queued', 'Event', 'Status', 'HTTP', 'Attempts', 'Last error', 'Next attempt'].map((t) =>
        h('th', { scope: 'col' }, t),
      ),
    );
    this.deliveries.replaceChildren(
      h('h4', {}, `Deliveries to ${c.name}`),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h('thead', {}, head),
          h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7 }, 'None yet.'))),
        ),
      ),
    );
  }

  async remove(c) {
    if (!(await confirmAction(`Delete the channel "${c.name}"? Rules stop notifying it.`, 'Delete'))) return;
    await api(`/api/notifications/webhooks/${encodeURIComponent(c.id)}`, { method: 'DELETE' }).catch((e) =>
      this.toasts.show('Delete failed', e.message, 'error'),
    );
    await this.refresh();
  }

  async refresh() {
    await this.load();
    this.onChange();
  }
}
