import { api } from '../api.js';
import { h } from '../dom.js';
import { confirmAction } from './confirm.js';

const AGENT = { name: 'agent_id', label: 'Agent', agent: true };
const minutes = (name, label) => ({ name, label, type: 'number', min: 0, step: 'any', required: true });

/** Each kind of rule with the fields of its `params`, as the API takes them. */
export const KINDS = {
  agent_offline: { label: 'Agent offline', fields: [AGENT, minutes('minutes', 'Offline for more than (minutes)')] },
  agent_error: { label: 'Agent in error', fields: [AGENT] },
  session_stuck: { label: 'Session stuck', fields: [AGENT] },
  cost_budget: {
    label: 'Cost over budget',
    fields: [
      AGENT,
      { name: 'usd', label: 'Budget (USD)', type: 'number', min: 0, step: 'any', required: true },
      { name: 'window', label: 'Per', options: ['day', 'week', 'month'] },
    ],
  },
  error_rate: {
    label: 'Failure rate',
    fields: [
      AGENT,
      { name: 'above', label: 'Failed share above (0–1)', type: 'number', min: 0, max: 1, step: 'any', required: true },
      minutes('window_minutes', 'Over the last (minutes)'),
      { name: 'min_tasks', label: 'Once at least (tasks ended)', type: 'number', min: 1, step: 1, required: true },
    ],
  },
  event_count: {
    label: 'Events of a type',
    fields: [
      { name: 'event_type', label: 'Event type', required: true },
      AGENT,
      { name: 'at_least', label: 'At least', type: 'number', min: 1, step: 1, required: true },
      minutes('window_minutes', 'Within (minutes)'),
    ],
  },
  backup_failed: { label: 'A backup failed', fields: [] },
  no_backup: {
    label: 'No verified backup',
    fields: [{ name: 'hours', label: 'For more than (hours)', type: 'number', min: 0, step: 'any', required: true }],
  },
  health: { label: 'Service not healthy', fields: [] },
};

/** One input of a kind's params, named `param.<name>` so the form can tell them from the common fields. */
function paramInput(field, agents) {
  const name = `param.${field.name}`;
  if (field.agent)
    return h(
      'select',
      { name },
      h('option', { value: '' }, 'Any agent'),
      agents.map((a) => h('option', { value: a.id }, a.name)),
    );
  if (field.options)
    return h(
      'select',
      { name },
      field.options.map((o) => h('option', { value: o }, o)),
    );
  return h('input', {
    name,
    type: field.type ?? 'text',
    min: field.min,
    max: field.max,
    step: field.step,
    required: field.required,
    autocomplete: 'off',
  });
}

/** The form's params for its kind: numbers as numbers, an empty agent as "any agent" (left out). */
function paramsOf(form, kind) {
  const params = {};
  for (const field of KINDS[kind].fields) {
    const value = form.elements[`param.${field.name}`].value.trim();
    if (value === '') continue;
    params[field.name] = field.type === 'number' ? Number(value) : value;
  }
  return params;
}

/** The rules editor: create a rule from a kind with its fields, enable or disable, delete after asking. */
export class AlertRulesView {
  constructor({ list, form, error }, { toasts, channels, onChange }) {
    this.list = list;
    this.form = form;
    this.error = error;
    this.toasts = toasts;
    this.channels = channels;
    this.onChange = onChange;
    this.rules = [];
    form.elements.kind.replaceChildren(
      ...Object.entries(KINDS).map(([kind, { label }]) => h('option', { value: kind }, label)),
    );
    form.elements.kind.addEventListener('change', () => this.showFields());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.create();
    });
  }

  nameOf(ruleId) {
    return this.rules.find((r) => r.id === ruleId)?.name ?? `rule ${ruleId}`;
  }

  async load() {
    const [{ rules }, { agents }] = await Promise.all([api('/api/alerts/rules'), api('/api/agents')]);
    this.rules = rules;
    this.agents = [...agents].sort((a, b) => a.name.localeCompare(b.name));
    this.render();
    this.showFields();
  }

  showFields() {
    const kind = this.form.elements.kind.value;
    const fields = KINDS[kind].fields.map((f) => h('label', {}, f.label, ' ', paramInput(f, this.agents ?? [])));
    this.form.querySelector('.params').replaceChildren(...fields);
    const channels = this.channels
      .all()
      .map((c) => h('label', {}, h('input', { type: 'checkbox', name: 'channel', value: c.id }), ` ${c.name}`));
    this.form
      .querySelector('.rule-channels')
      .replaceChildren(
        ...(channels.length ? channels : [h('span', { class: 'muted' }, 'No channels yet: add one below.')]),
      );
  }

  render() {
    if (!this.rules.length) return this.list.replaceChildren(h('li', { class: 'muted' }, 'No rules yet.'));
    this.list.replaceChildren(...this.rules.map((r) => this.item(r)));
  }

  item(rule) {
    const fromFile = rule.managed === 'file';
    const toggle = h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(rule.enabled),
        disabled: fromFile,
        onclick: () => this.update(rule, { enabled: !rule.enabled }),
      },
      rule.enabled ? 'Enabled' : 'Disabled',
    );
    const remove = h(
      'button',
      { type: 'button', class: 'danger', disabled: fromFile, onclick: () => this.remove(rule) },
      'Delete…',
    );
    const params = Object.entries(rule.params ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return h(
      'li',
      { dataset: { rule: rule.id } },
      h('span', { class: 'badge', dataset: { severity: rule.severity } }, rule.severity),
      h('strong', {}, ` ${rule.name} `),
      h(
        'span',
        { class: 'muted' },
        `${KINDS[rule.kind]?.label ?? rule.kind}${params ? ` (${params})` : ''}${fromFile ? ' · from the rule file' : ''}`,
      ),
      h('span', { class: 'actions' }, toggle, remove),
    );
  }

  async create() {
    const f = this.form.elements;
    const kind = f.kind.value;
    const rule = {
      name: f.name.value.trim(),
      kind,
      params: paramsOf(this.form, kind),
      severity: f.severity.value,
      cooldown_minutes: Number(f.cooldown.value),
      notify_resolved: f.notify_resolved.checked,
      channels: [...this.form.querySelectorAll('input[name=channel]:checked')].map((c) => c.value),
    };
    try {
      await api('/api/alerts/rules', { method: 'POST', json: rule });
      this.error.textContent = '';
      this.form.reset();
      this.toasts.show('Rule added', rule.name, 'success');
      await this.refresh();
    } catch (error) {
      this.error.textContent = error.message;
    }
  }

  async update(rule, change) {
    await api(`/api/alerts/rules/${encodeURIComponent(rule.id)}`, { method: 'PATCH', json: change }).catch((e) =>
      this.toasts.show('Rule', e.message, 'error'),
    );
    await this.refresh();
  }

  async remove(rule) {
    if (!(await confirmAction(`Delete the rule "${rule.name}"? Its alerts stay in the history.`, 'Delete'))) return;
    await api(`/api/alerts/rules/${encodeURIComponent(rule.id)}`, { method: 'DELETE' }).catch((e) =>
      this.toasts.show('Delete failed', e.message, 'error'),
    );
    await this.refresh();
  }

  async refresh() {
    await this.load();
    this.onChange();
  }
}
