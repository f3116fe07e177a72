import { api } from '../api.js';
import { h, relativeTime } from '../dom.js';
import { agentChart } from './charts.js';
import { breakdownTable, costFigures, usageTodayAndWeek } from './cost.js';
import { SessionTable } from './sessions.js';
import { showTranscript } from './transcript.js';

const PERIOD_FIGURES = [
  ['tasks_completed', 'Completed'],
  ['tasks_failed', 'Failed'],
  ['success_rate', 'Success', (v) => `${Math.round(v * 100)}%`],
  ['avg_task_duration', 'Avg task', (v) => (v === null ? '–' : `${Math.round(v)} s`)],
  ['total_work_time', 'Working', (v) => `${Math.round(v / 60)} min`],
  ['messages_sent', 'Messages sent'],
];

const SOURCE_TEXT = { openclaw: 'OpenClaw', workspace: 'the workspace' };

/** The sessions table of the open detail view, kept current by session_update. */
let openSessions = null;

export function updateAgentDetail(session) {
  if (document.getElementById('agent-detail').open) openSessions?.upsert(session);
}

function origin(agent) {
  const parts = [
    agent.sources?.length ? `From ${agent.sources.map((s) => SOURCE_TEXT[s] ?? s).join(' and ')}` : null,
    agent.model ? `model ${agent.model}` : null,
  ].filter(Boolean);
  return parts.length ? [h('p', {}, parts.join(' · '))] : [];
}

/**
 * An agent's raw state, its last 24 hours, its cost, sessions and history
 * chart, and recent events; `sessionKey` opens that session's transcript.
 */
export async function openAgentDetail(agentId, sessionKey) {
  const dialog = document.getElementById('agent-detail');
  const body = document.getElementById('detail-body');
  document.getElementById('detail-title').textContent = agentId;
  body.replaceChildren(h('p', {}, 'Loading…'));
  if (!dialog.open) dialog.showModal();
  const [agent, metrics, events, cost] = await Promise.all([
    api(`/api/agents/${encodeURIComponent(agentId)}`),
    api(`/api/agents/${encodeURIComponent(agentId)}/metrics?hours=24`).catch(() => null),
    api(`/api/system/events?agent_id=${encodeURIComponent(agentId)}&limit=20`).catch(() => ({ events: [] })),
    usageTodayAndWeek('model', agentId).catch(() => null),
  ]);
  document.getElementById('detail-title').textContent = `${agent.name} (${agent.status})`;
  const chart = h('div', { class: 'chart' });
  const sessions = h('table', { class: 'sessions' });
  const transcript = h(
    'div',
    { class: 'transcript-view' },
    h('p', {}, 'Choose a session’s transcript to read it here.'),
  );
  openSessions = new SessionTable(sessions, {
    agentId,
    showAgent: false,
    onTranscript: (s) => showTranscript(transcript, s.key),
  });
  body.replaceChildren(
    h(
      'p',
      {},
      `${agent.role ?? 'No role'} · last active ${relativeTime(agent.last_active)} · ${agent.current_tasks.length ? agent.current_tasks.join(' · ') : 'no current task'}`,
    ),
    ...origin(agent),
    h('h3', {}, 'Last 24 hours'),
    metrics
      ? h(
          'dl',
          { class: 'figures' },
          ...PERIOD_FIGURES.map(([key, label, format]) =>
            h('div', {}, h('dt', {}, label), h('dd', {}, (format ?? String)(metrics[key]))),
          ),
        )
      : h('p', {}, 'No metrics yet.'),
    chart,
    h('h3', {}, 'Cost'),
    ...(cost
      ? [
          h('dl', { class: 'figures' }, ...costFigures(cost)),
          h('div', { class: 'table-wrap' }, breakdownTable('Model', cost)),
        ]
      : [h('p', {}, 'No usage recorded.')]),
    h('h3', {}, 'Sessions'),
    h('div', { class: 'table-wrap sessions-wrap' }, sessions),
    transcript,
    h('h3', {}, 'Recent events'),
    events.events.length
      ? h(
          'ol',
          { class: 'log' },
          ...events.events.map((e) => h('li', {}, `${new Date(e.timestamp).toLocaleString()} · ${e.type}`)),
        )
      : h('p', {}, 'No events.'),
    h('h3', {}, 'Raw state'),
    h('pre', {}, JSON.stringify(agent.state, null, 2)),
  );
  await Promise.all([
    agentChart(chart, agentId).catch(() => chart.replaceChildren(h('p', {}, 'No history yet.'))),
    openSessions
      .load()
      .catch((e) => sessions.replaceWith(h('p', { class: 'failed' }, `Sessions could not be read: ${e.message}`))),
  ]);
  // After what is above it has its height, so scrolling to the transcript stays put.
  if (sessionKey) await showTranscript(transcript, sessionKey);
}
