import { api } from '../api.js';
import { count, h, usd } from '../dom.js';
import { DailyCostChart } from './charts.js';

const DAYS = 7;
const REFRESH_MS = 5000;

/** The API groups days in UTC, so "today" starts at UTC midnight too: today's figure is the chart's last bar. */
function utcDay(daysAgo) {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  day.setUTCDate(day.getUTCDate() - daysAgo);
  return day;
}

function usage(groupBy, since, agentId) {
  const query = new URLSearchParams({ group_by: groupBy, since: since.toISOString() });
  if (agentId) query.set('agent_id', agentId);
  return api(`/api/usage?${query}`);
}

/** Usage grouped by agent or model, today and over the last 7 days, of every agent or one. */
export async function usageTodayAndWeek(groupBy, agentId) {
  const [today, week] = await Promise.all([
    usage(groupBy, utcDay(0), agentId),
    usage(groupBy, utcDay(DAYS - 1), agentId),
  ]);
  return { today, week };
}

/** Today's and the week's totals, as the items of a figures list. */
export function costFigures({ today, week }) {
  const figures = [
    ['today_cost', 'Today (UTC)', usd(today.total.cost_usd)],
    ['today_tokens', 'Tokens today', count(today.total.total_tokens)],
    ['today_sessions', 'Sessions today', count(today.total.sessions)],
    ['week_cost', 'Last 7 days', usd(week.total.cost_usd)],
    ['week_tokens', 'Tokens, 7 days', count(week.total.total_tokens)],
  ];
  return figures.map(([key, label, value]) =>
    h('div', {}, h('dt', {}, label), h('dd', { dataset: { figure: key } }, value)),
  );
}

/** One row per agent or model of the week, dearest first, with its cost today beside it. */
export function breakdownTable(heading, { today, week }, nameOf = String) {
  const todayOf = new Map(today.rows.map((r) => [r.key, r]));
  const rows = [...week.rows].sort((a, b) => b.cost_usd - a.cost_usd);
  return h(
    'table',
    { class: 'breakdown' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, heading),
        h('th', { scope: 'col', class: 'num' }, 'Today'),
        h('th', { scope: 'col', class: 'num' }, '7 days'),
        h('th', { scope: 'col', class: 'num' }, 'Tokens, 7 days'),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length
        ? rows.map((r) =>
            h(
              'tr',
              { dataset: { key: r.key } },
              h('td', {}, nameOf(r.key)),
              h('td', { class: 'num' }, usd(todayOf.get(r.key)?.cost_usd ?? 0)),
              h('td', { class: 'num' }, usd(r.cost_usd)),
              h('td', { class: 'num' }, count(r.total_tokens)),
            ),
          )
        : h('tr', {}, h('td', { colspan: 4 }, 'No usage in the last 7 days.')),
    ),
  );
}

/** What the fleet's models cost: today, the last 7 days, by agent, by model and per day. */
export class CostPanel {
  constructor({ figures, chart, byAgent, byModel }, nameOf) {
    this.figures = figures;
    this.chart = new DailyCostChart(chart);
    this.byAgent = byAgent;
    this.byModel = byModel;
    this.nameOf = nameOf;
    this.loadedAt = 0;
    this.timer = null;
  }

  async load() {
    this.loadedAt = Date.now();
    const firstDay = utcDay(DAYS - 1);
    const [agents, models, days] = await Promise.all([
      usageTodayAndWeek('agent'),
      usageTodayAndWeek('model'),
      usage('day', firstDay),
    ]);
    this.figures.replaceChildren(...costFigures(agents));
    this.byAgent.replaceChildren(breakdownTable('Agent', agents, this.nameOf));
    this.byModel.replaceChildren(breakdownTable('Model', models));
    this.chart.show(days.rows, firstDay, DAYS);
  }

  /** A busy fleet sends session_update many times a second: the totals are read again at most every 5 s. */
  refreshSoon() {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.load().catch(() => undefined);
      },
      Math.max(0, this.loadedAt + REFRESH_MS - Date.now()),
    );
  }
}
