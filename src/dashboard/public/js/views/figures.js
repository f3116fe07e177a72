import { h, setText } from '../dom.js';

const FIGURES = [
  ['system_health_score', 'Health', (v) => `${Math.round(v * 100)}%`],
  ['active_agents', 'Active', String],
  ['idle_agents', 'Idle', String],
  ['offline_agents', 'Offline', String],
  ['total_tasks_pending', 'Pending tasks', String],
  ['events_per_minute', 'Events / min', (v) => (Math.round(v * 10) / 10).toString()],
];

/** The headline figures, updated by system_metric messages. */
export class Figures {
  constructor(list) {
    this.values = new Map();
    for (const [key, label] of FIGURES) {
      const value = h('dd', { dataset: { metric: key } }, '–');
      this.values.set(key, value);
      list.append(h('div', {}, h('dt', {}, label), value));
    }
  }

  set(metric, value) {
    const figure = FIGURES.find(([key]) => key === metric);
    if (figure && value !== null && value !== undefined) setText(this.values.get(metric), figure[2](Number(value)));
  }

  setAll(metrics) {
    for (const [key] of FIGURES) this.set(key, metrics[key]);
  }
}
