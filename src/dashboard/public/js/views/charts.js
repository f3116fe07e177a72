import uPlot from '/vendor/uplot/uPlot.esm.js';
import { api } from '../api.js';
import { h } from '../dom.js';

/** Each range is drawn from the API's `step` downsampling: a few hundred points whatever the history. */
const STEPS = { 24: '5m', 168: '1h' };

function seconds(points) {
  return points.map((p) => Date.parse(p.timestamp) / 1000);
}

/** The last `hours` up to now, worked out at each redraw. */
function lastHours(hours) {
  return () => [Date.now() / 1000 - hours * 3600, Date.now() / 1000];
}

/** A neutral grey reads on both themes' panels. */
const GRID = { stroke: 'rgb(128 128 128 / 25%)' };
/** "100K" fits beside the plot where "100,000" is cut off. */
const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });

/** The panel charts redraw when the theme changes, so their axes take the new text colour. */
function followTheme(currentChart) {
  const redraw = () => currentChart()?.redraw(false, false);
  new MutationObserver(redraw).observe(document.documentElement, { attributeFilter: ['data-theme'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
}

/** `series` are [label, colour, scale, 'bars'?]; `range` gives the x range in seconds. */
function makeChart(container, series, data, range, extra = {}) {
  const width = Math.max(260, container.clientWidth || 600);
  // uPlot paints axes on a canvas, out of reach of CSS colours: they take the page's text colour at each draw.
  const axis = { stroke: () => getComputedStyle(container).color, grid: GRID, ticks: GRID };
  const valueAxis = { ...axis, values: (_chart, splits) => splits.map((v) => compact.format(v)) };
  const opts = {
    width,
    height: 220,
    series: [
      {},
      ...series.map(([label, stroke, scale, kind]) =>
        kind === 'bars'
          ? {
              label,
              stroke,
              fill: stroke,
              scale,
              width: 1,
              paths: uPlot.paths.bars({ size: [0.6, 48] }),
              points: { show: false },
            }
          : { label, stroke, scale, width: 2, points: { show: false } },
      ),
    ],
    // The whole range is shown even when the history is short, rather than stretching a few points.
    scales: { x: { time: true, range } },
    axes: [
      axis,
      { ...valueAxis, scale: series[0][2] },
      ...(series.some(([, , scale]) => scale !== series[0][2])
        ? [{ ...valueAxis, scale: series.find(([, , s]) => s !== series[0][2])[2], side: 1, grid: { show: false } }]
        : []),
    ],
    ...extra,
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
    new ResizeObserver(() => this.chart?.setSize({ width: Math.max(260, container.clientWidth), height: 220 })).observe(
      container,
    );
    followTheme(() => this.chart);
  }

  async load() {
    const { history } = await api(`/api/system/metrics?hours=${this.hours}&step=${STEPS[this.hours]}`);
    this.chart?.destroy();
    this.chart = null;
    if (!history.length) return this.container.replaceChildren(h('p', {}, 'No metrics collected yet.'));
    const data = [
      seconds(history),
      history.map((p) => p.system_health_score * 100),
      history.map((p) => p.active_agents),
      history.map((p) => p.events_per_minute),
    ];
    this.chart = makeChart(
      this.container,
      [
        ['Health %', '#2563eb', 'y'],
        ['Active agents', '#15803d', 'y'],
        ['Events / min', '#b45309', 'rate'],
      ],
      data,
      lastHours(this.hours),
    );
  }
}

/** One agent's last 24 hours, for its detail view. */
export async function agentChart(container, agentId) {
  const { history } = await api(`/api/agents/${encodeURIComponent(agentId)}/history?hours=24&step=5m`);
  if (!history.length) return container.replaceChildren(h('p', {}, 'No history yet.'));
  const data = [seconds(history), history.map((p) => p.tasks_completed), history.map((p) => p.success_rate * 100)];
  makeChart(
    container,
    [
      ['Tasks completed', '#15803d', 'tasks'],
      ['Success %', '#2563eb', 'pct'],
    ],
    data,
    lastHours(24),
  );
}

const DAY_S = 86_400;

/** Cost (bars) and tokens per UTC day, as the usage API groups them, over the days from `firstDay` to today. */
export class DailyCostChart {
  constructor(container) {
    this.container = container;
    this.chart = null;
    new ResizeObserver(() => this.chart?.setSize({ width: Math.max(260, container.clientWidth), height: 220 })).observe(
      container,
    );
    followTheme(() => this.chart);
  }

  show(rows, firstDay, days) {
    this.chart?.destroy();
    const byDay = new Map(rows.map((r) => [r.key, r]));
    const xs = Array.from({ length: days }, (_, i) => firstDay.getTime() / 1000 + i * DAY_S);
    const day = (x) => byDay.get(new Date(x * 1000).toISOString().slice(0, 10));
    const data = [xs, xs.map((x) => day(x)?.cost_usd ?? 0), xs.map((x) => day(x)?.total_tokens ?? 0)];
    // Half a day either side keeps the first and last bars whole; dates are labelled in UTC like the keys.
    const range = () => [xs[0] - DAY_S / 2, xs[xs.length - 1] + DAY_S / 2];
    this.chart = makeChart(
      this.container,
      [
        ['Cost (USD)', '#2563eb', 'usd', 'bars'],
        ['Tokens', '#b45309', 'tokens'],
      ],
      data,
      range,
      {
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      },
    );
  }
}
