import uPlot from '/vendor/uplot/uPlot.esm.js';
import { api } from '../api.js';
import { h } from '../dom.js';

/** Each range is drawn from the API's `step` downsampling: a few hundred points whatever the history. */
const STEPS = { 24: '5m', 168: '1h' };

function seconds(points) {
  return points.map((p) => Date.parse(p.timestamp) / 1000);
}

function makeChart(container, series, data, hours) {
  const width = Math.max(260, container.clientWidth || 600);
  const opts = {
    width,
    height: 220,
    series: [{}, ...series.map(([label, stroke, scale]) => ({ label, stroke, scale, width: 2, points: { show: false } }))],
    // The whole range is shown even when the history is short, rather than stretching a few points.
    scales: { x: { time: true, range: () => [Date.now() / 1000 - hours * 3600, Date.now() / 1000] } },
    axes: [{}, { scale: series[0][2] }, ...(series.some(([, , scale]) => scale !== series[0][2]) ? [{ scale: series.find(([, , s]) => s !== series[0][2])[2], side: 1 }] : [])],
  };
  container.replaceChildren();
  return new uPlot(opts, data, container);
}

/** System history: health, active agents and events per minute, over 24 h or 7 days. */
export class SystemChart {
  constructor(container, buttons) {
    this.container = container;
    this.hours = 24;
    this.chart = null;
    for (const button of buttons) {
      button.addEventListener('click', () => {
        this.hours = Number(button.dataset.range);
        for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
        void this.load();
      });
    }
    new ResizeObserver(() => this.chart?.setSize({ width: Math.max(260, container.clientWidth), height: 220 })).observe(container);
  }

  async load() {
    const { history } = await api(`/api/system/metrics?hours=${this.hours}&step=${STEPS[this.hours]}`);
    if (!history.length) return this.container.replaceChildren(h('p', {}, 'No metrics collected yet.'));
    const data = [seconds(history), history.map((p) => p.system_health_score * 100), history.map((p) => p.active_agents), history.map((p) => p.events_per_minute)];
    this.chart = makeChart(this.container, [['Health %', '#2563eb', 'y'], ['Active agents', '#15803d', 'y'], ['Events / min', '#b45309', 'rate']], data, this.hours);
  }
}

/** One agent's last 24 hours, for its detail view. */
export async function agentChart(container, agentId) {
  const { history } = await api(`/api/agents/${encodeURIComponent(agentId)}/history?hours=24&step=5m`);
  if (!history.length) return container.replaceChildren(h('p', {}, 'No history yet.'));
  const data = [seconds(history), history.map((p) => p.tasks_completed), history.map((p) => p.success_rate * 100)];
  makeChart(container, [['Tasks completed', '#15803d', 'tasks'], ['Success %', '#2563eb', 'pct']], data, 24);
}
