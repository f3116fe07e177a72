import { api } from '../api.js';
import { count, dateTime, duration, h, relativeTime, setText, usd } from '../dom.js';

const MAX_ROWS = 200;

/** The API's order: newest activity first. */
function activityOf(session) {
  return Date.parse(session.last_activity_at ?? session.updated_at ?? session.started_at ?? '') || 0;
}

/** Up to now while a run is in progress; a session that waits for its next turn is not running. */
function durationOf(session) {
  const end = session.ended_at ?? (session.status === 'running' ? null : session.last_activity_at);
  return (end ? Date.parse(end) : Date.now()) - Date.parse(session.started_at);
}

/** `provider/model`, as the usage totals name models. */
function modelName(record) {
  if (!record.model) return '–';
  return record.provider ? `${record.provider}/${record.model}` : record.model;
}

/** The Sessions panel's agent filter: every agent by name, keeping the current choice. */
export function fillAgentFilter(select, agents) {
  const chosen = select.value;
  const sorted = [...agents].sort((a, b) => a.name.localeCompare(b.name));
  select.replaceChildren(
    h('option', { value: '' }, 'All'),
    ...sorted.map((a) => h('option', { value: a.id, selected: a.id === chosen }, a.name)),
  );
}

/**
 * Sessions as table rows keyed by session key: a session_update rewrites its own row and moves it to
 * its place by last activity, the others stay as they are. The Sessions panel (every agent, or the
 * one chosen in its filter) and an agent's detail view each have one.
 */
export class SessionTable {
  constructor(table, { agentId = '', showAgent = true, nameOf = (id) => id, onTranscript }) {
    const actions = h('span', { class: 'visually-hidden' }, 'Actions');
    const headings = [
      showAgent ? ['Agent'] : null,
      ['Status'],
      ['Model'],
      ['Tokens in', 'num'],
      ['Tokens out', 'num'],
      ['Cost', 'num'],
      ['Duration', 'num'],
      ['Last activity'],
      [actions],
    ].filter(Boolean);
    this.tbody = h('tbody');
    table.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map(([text, className]) => h('th', { scope: 'col', class: className }, text)),
        ),
      ),
      this.tbody,
    );
    this.columns = headings.length;
    this.agentId = agentId;
    this.showAgent = showAgent;
    this.nameOf = nameOf;
    this.onTranscript = onTranscript;
    this.rows = new Map();
  }

  async load(agentId = this.agentId) {
    this.agentId = agentId;
    const query = new URLSearchParams({ limit: '100' });
    if (agentId) query.set('agent_id', agentId);
    const { sessions } = await api(`/api/sessions?${query}`);
    // The answer for an earlier choice of the filter can arrive after the current one's.
    if (agentId === this.agentId) this.setAll(sessions);
  }

  setAll(sessions) {
    this.rows.clear();
    this.tbody.replaceChildren();
    for (const session of sessions) this.upsert(session);
    this.showEmpty();
  }

  upsert(session) {
    if (this.agentId && session.agent_id !== this.agentId) return;
    let row = this.rows.get(session.key);
    if (!row) {
      row = this.create(session.key);
      this.rows.set(session.key, row);
    }
    this.fill(row, session);
    this.showEmpty();
    this.place(row);
    while (this.rows.size > MAX_ROWS) this.remove(this.tbody.lastElementChild.dataset.session);
  }

  /** Durations of running sessions and "last activity" go stale as time passes. */
  refreshTimes() {
    for (const row of this.rows.values()) this.fillTimes(row);
  }

  create(key) {
    const row = {
      agent: h('td', { class: 'agent' }),
      status: h('span', { class: 'badge' }),
      stuck: h(
        'span',
        {
          class: 'badge',
          dataset: { status: 'stuck' },
          title: 'No activity for longer than the stuck limit (MC_STUCK_MINUTES)',
          hidden: true,
        },
        'Stuck',
        h('span', { class: 'visually-hidden' }, ': no activity for longer than the stuck limit'),
      ),
      model: h('td', { class: 'model' }),
      input: h('td', { class: 'num input' }),
      output: h('td', { class: 'num output' }),
      cost: h('td', { class: 'num cost' }),
      duration: h('td', { class: 'num duration' }),
      activity: h('time'),
    };
    const transcript = h(
      'button',
      { type: 'button', 'aria-label': `Transcript of session ${key}`, onclick: () => this.onTranscript(row.session) },
      'Transcript',
    );
    row.el = h(
      'tr',
      { dataset: { session: key } },
      this.showAgent ? row.agent : null,
      h('td', { class: 'status' }, row.status, row.stuck),
      row.model,
      row.input,
      row.output,
      row.cost,
      row.duration,
      h('td', {}, row.activity),
      h('td', {}, transcript),
    );
    return row;
  }

  fill(row, session) {
    row.session = session;
    row.el.dataset.status = session.status;
    row.el.toggleAttribute('data-stuck', Boolean(session.stuck));
    row.stuck.hidden = !session.stuck;
    setText(row.agent, this.nameOf(session.agent_id));
    setText(row.status, session.status);
    row.status.dataset.status = session.status;
    setText(row.model, modelName(session));
    setText(row.input, count(session.input_tokens));
    setText(row.output, count(session.output_tokens));
    setText(row.cost, usd(session.cost_usd));
    this.fillTimes(row);
  }

  fillTimes(row) {
    const { session } = row;
    const last = session.last_activity_at ?? session.updated_at;
    setText(row.duration, duration(durationOf(session)));
    setText(row.activity, relativeTime(last));
    row.activity.setAttribute('datetime', last ?? '');
    row.activity.title = dateTime(last);
  }

  /** Moves the row only when its place changed, so a focused button in it keeps the focus. */
  place(row) {
    const at = activityOf(row.session);
    const activity = (el) => activityOf(this.rows.get(el.dataset.session).session);
    const { previousElementSibling: prev, nextElementSibling: next } = row.el;
    if (row.el.parentNode === this.tbody && (!prev || activity(prev) >= at) && (!next || activity(next) <= at)) return;
    const first = [...this.tbody.children].find((el) => el !== row.el && activity(el) < at);
    this.tbody.insertBefore(row.el, first ?? null);
  }

  remove(key) {
    this.rows.get(key)?.el.remove();
    this.rows.delete(key);
  }

  showEmpty() {
    const empty = this.tbody.querySelector('tr.empty');
    if (this.rows.size && empty) empty.remove();
    if (!this.rows.size && !empty)
      this.tbody.append(
        h(
          'tr',
          { class: 'empty' },
          h('td', { colspan: this.columns }, this.agentId ? 'No sessions for this agent.' : 'No sessions yet.'),
        ),
      );
  }
}
