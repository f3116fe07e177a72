import { h, relativeTime, setText } from '../dom.js';

const STATUS_TEXT = { active: 'Active', idle: 'Idle', error: 'Error', offline: 'Offline' };

/** Agent cards, keyed by id: a change updates its own card (and flashes it), never the whole grid. */
export class CardsView {
  constructor(list, counter, onOpen) {
    this.list = list;
    this.counter = counter;
    this.onOpen = onOpen;
    this.cards = new Map();
    this.filter = { status: '', query: '' };
    setInterval(() => this.refreshTimes(), 30_000);
  }

  setAll(agents) {
    const ids = new Set(agents.map((a) => a.id));
    for (const id of [...this.cards.keys()]) if (!ids.has(id)) this.remove(id);
    for (const agent of agents) this.upsert(agent, false);
    this.count();
  }

  upsert(full, flash = true) {
    // Cards show the normalised fields; the raw state (in gateway messages only) is for the detail view.
    const { state: _raw, ...agent } = full;
    let card = this.cards.get(agent.id);
    // The gateway's snapshot on (re)connect repeats what the page shows: only a real change flashes.
    const changed = !card || JSON.stringify(card.agent) !== JSON.stringify(agent);
    if (!changed) return;
    if (!card) {
      card = this.create(agent.id);
      this.cards.set(agent.id, card);
      const next = [...this.cards.keys()].sort().find((id) => id > agent.id);
      this.list.insertBefore(card.el, next ? this.cards.get(next).el : null);
    }
    card.agent = agent;
    card.el.dataset.status = agent.status;
    card.el.setAttribute('aria-label', `${agent.name}, ${STATUS_TEXT[agent.status] ?? agent.status}. Open details`);
    setText(card.name, agent.name);
    setText(card.badge, STATUS_TEXT[agent.status] ?? agent.status);
    card.badge.dataset.status = agent.status;
    setText(card.role, agent.role ?? '');
    setText(card.task, agent.current_tasks?.length ? agent.current_tasks.join(' · ') : 'No current task');
    setText(
      card.meta,
      `${agent.tasks_completed} done · ${agent.tasks_failed} failed · ${relativeTime(agent.last_active)}`,
    );
    this.applyFilter(card);
    if (flash && card.shown) {
      card.el.classList.remove('flash');
      void card.el.offsetWidth;
      card.el.classList.add('flash');
      setTimeout(() => card.el.classList.remove('flash'), 600);
    }
    card.shown = true;
    this.count();
  }

  remove(id) {
    this.cards.get(id)?.el.remove();
    this.cards.delete(id);
    this.count();
  }

  setFilter(status, query) {
    this.filter = { status, query: query.trim().toLowerCase() };
    for (const card of this.cards.values()) this.applyFilter(card);
    this.count();
  }

  create(id) {
    const card = {
      name: h('span', { class: 'name' }),
      badge: h('span', { class: 'badge' }),
      role: h('span', { class: 'role' }),
      task: h('span', { class: 'task' }),
      meta: h('span', { class: 'meta' }),
    };
    const open = () => this.onOpen(id);
    card.el = h(
      'li',
      {
        class: 'card',
        tabindex: 0,
        role: 'button',
        dataset: { agent: id },
        onclick: open,
        onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open()),
      },
      card.name,
      card.badge,
      card.role,
      card.task,
      card.meta,
    );
    return card;
  }

  applyFilter(card) {
    const { status, query } = this.filter;
    const a = card.agent;
    const text = `${a.name} ${a.id} ${a.role ?? ''}`.toLowerCase();
    card.el.hidden = (status && a.status !== status) || (query && !text.includes(query));
  }

  count() {
    const shown = [...this.cards.values()].filter((c) => !c.el.hidden).length;
    setText(this.counter, `${shown} of ${this.cards.size} agents`);
  }

  refreshTimes() {
    for (const card of this.cards.values()) {
      const a = card.agent;
      setText(card.meta, `${a.tasks_completed} done · ${a.tasks_failed} failed · ${relativeTime(a.last_active)}`);
    }
  }

  nameOf(id) {
    return this.cards.get(id)?.agent.name ?? id;
  }

  statusOf(id) {
    return this.cards.get(id)?.agent.status ?? 'offline';
  }
}
