import { api } from '../api.js';
import { h, relativeTime } from '../dom.js';
import { agentChart } from './charts.js';

const PERIOD_FIGURES = [
  ['tasks_completed', 'Completed'],
  ['tasks_failed', 'Failed'],
  ['success_rate', 'Success', (v) => `${Math.round(v * 100)}%`],
  ['avg_task_duration', 'Avg task', (v) => (v === null ? '–' : `${Math.round(v)} s`)],
  ['total_work_time', 'Working', (v) => `${Math.round(v / 60)} min`],
  ['messages_sent', 'Messages sent'],
];

/** An agent's raw state, its last 24 hours, its history chart and recent events. */
export async function openAgentDetail(agentId) {
  const dialog = document.getElementById('agent-detail');
  const body = document.getElementById('detail-body');
  document.getElementById('detail-title').textContent = agentId;
  body.replaceChildren(h('p', {}, 'Loading…'));
  if (!dialog.open) dialog.showModal();
  const [agent, metrics, events] = await Promise.all([
    api(`/api/agents/${encodeURIComponent(agentId)}`),
    api(`/api/agents/${encodeURIComponent(agentId)}/metrics?hours=24`).catch(() => null),
    api(`/api/system/events?agent_id=${encodeURIComponent(agentId)}&limit=20`).catch(() => ({ events: [] })),
  ]);
  document.getElementById('detail-title').textContent = `${agent.name} (${agent.status})`;
  const chart = h('div', { class: 'chart' });
  body.replaceChildren(
    h('p', {}, `${agent.role ?? 'No role'} · last active ${relativeTime(agent.last_active)} · ${agent.current_tasks.length ? agent.current_tasks.join(' · ') : 'no current task'}`),
    h('h3', {}, 'Last 24 hours'),
    metrics ? h('dl', { class: 'figures' }, ...PERIOD_FIGURES.map(([key, label, format]) => h('div', {}, h('dt', {}, label), h('dd', {}, (format ?? String)(metrics[key]))))) : h('p', {}, 'No metrics yet.'),
    chart,
    h('h3', {}, 'Recent events'),
    events.events.length ? h('ol', { class: 'log' }, ...events.events.map((e) => h('li', {}, `${new Date(e.timestamp).toLocaleString()} · ${e.type}`))) : h('p', {}, 'No events.'),
    h('h3', {}, 'Raw state'),
    h('pre', {}, JSON.stringify(agent.state, null, 2)),
  );
  await agentChart(chart, agentId).catch(() => chart.replaceChildren(h('p', {}, 'No history yet.')));
}
