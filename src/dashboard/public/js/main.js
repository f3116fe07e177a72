import { MCWebSocketClient } from '/client/mission-control-client.js';
import { api, askForToken, storedToken } from './api.js';
import { perFrame } from './dom.js';
import { ActivityLog } from './views/activity-log.js';
import { openAgentDetail, updateAgentDetail } from './views/agent-detail.js';
import { AlertRulesView } from './views/alert-rules.js';
import { AlertsPanel } from './views/alerts.js';
import { BackupsView } from './views/backups.js';
import { CardsView } from './views/cards.js';
import { ChannelsView } from './views/channels.js';
import { SystemChart } from './views/charts.js';
import { ConnectionIndicator } from './views/connection.js';
import { CostPanel } from './views/cost.js';
import { Figures } from './views/figures.js';
import { OfficeMap } from './views/office-map.js';
import { fillAgentFilter, SessionTable } from './views/sessions.js';
import { renderTasks } from './views/tasks.js';
import { Toasts } from './views/toasts.js';

const $ = (id) => document.getElementById(id);

const toasts = new Toasts($('toasts'));
const connection = new ConnectionIndicator($('connection'));
const figures = new Figures($('figures'));
const openDetail = (agentId, sessionKey) =>
  openAgentDetail(agentId, sessionKey).catch((e) => toasts.show('Agent', e.message, 'error'));
const cards = new CardsView($('cards'), $('agent-count'), (id) => openDetail(id));
const office = new OfficeMap($('office-map'), cards);
const log = new ActivityLog($('activity-log'));
const chart = new SystemChart($('system-chart'), document.querySelectorAll('[data-range]'));
const backups = new BackupsView(document.querySelector('#backups tbody'), toasts);
const sessions = new SessionTable($('sessions'), {
  nameOf: (id) => cards.nameOf(id),
  onTranscript: (s) => openDetail(s.agent_id, s.key),
});
const formParts = (id) => ({ form: $(id), error: $(id).querySelector('.form-error') });
const channels = new ChannelsView(
  { list: $('channels'), deliveries: $('deliveries'), ...formParts('channel-form') },
  { toasts, onChange: () => rules.showFields() },
);
const rules = new AlertRulesView(
  { list: $('alert-rules'), ...formParts('rule-form') },
  { toasts, channels, onChange: () => alerts.render() },
);
const alerts = new AlertsPanel(
  { table: $('alerts'), stateFilter: $('alert-state'), count: $('alert-count') },
  { toasts, nameOf: (id) => cards.nameOf(id), ruleName: (id) => rules.nameOf(id) },
);
const cost = new CostPanel(
  { figures: $('cost-figures'), chart: $('cost-chart'), byAgent: $('cost-by-agent'), byModel: $('cost-by-model') },
  (id) => cards.nameOf(id),
);

setUpTheme();
$('status-filter').addEventListener('change', filter);
$('search').addEventListener('input', filter);
$('session-agent').addEventListener('change', () =>
  sessions.load($('session-agent').value).catch((e) => toasts.show('Sessions', e.message, 'error')),
);
setInterval(() => sessions.refreshTimes(), 30_000);

/** Everything the page shows, from REST: at start, and again whenever the gateway says to resync. */
async function loadAll() {
  const [{ agents }, status, { tasks }, { events }] = await Promise.all([
    api('/api/agents'),
    api('/api/system/status'),
    api('/api/tasks'),
    api('/api/system/events?limit=50'),
  ]);
  cards.setAll(agents);
  fillAgentFilter($('session-agent'), agents);
  office.setZones(status.office_state.zones);
  office.setPositions(status.office_state.positions);
  figures.setAll(status.metrics);
  renderTasks(document.querySelector('#tasks tbody'), tasks);
  for (const e of [...events].reverse())
    if (e.agent_id)
      log.add({ agent: e.agent_id, action: e.type, timestamp: e.timestamp, detail: ActivityLog.describe(e.data) });
  await Promise.all([chart.load(), backups.load(), sessions.load(), cost.load(), loadAlerts()]).catch((e) =>
    toasts.show('Loading', e.message, 'error'),
  );
}

/** Channels before rules (the rule form lists them), rules before alerts (alerts name their rule). */
async function loadAlerts() {
  await channels.load();
  await rules.load();
  await alerts.load();
}

const reloadTasks = perFrame(() =>
  api('/api/tasks').then(({ tasks }) => renderTasks(document.querySelector('#tasks tbody'), tasks)),
);
let chartTimer = null;

function connect(wsPort) {
  const mc = new MCWebSocketClient(`ws://${location.hostname}:${wsPort}/`, { token: storedToken() });
  mc.on('connected', () => connection.live());
  mc.on('disconnected', () => connection.offline());
  mc.on('reconnecting', ({ delay_ms, attempt }) => connection.reconnecting(delay_ms, attempt));
  mc.on('resync_required', () => loadAll().catch((e) => toasts.show('Reload', e.message, 'error')));
  mc.on('agent_status', ({ state }) => {
    if (state.removed) cards.remove(state.id);
    else cards.upsert(state);
    office.refresh(state.id);
  });
  mc.on('agent_position', (data) => office.setPositions(data.positions));
  mc.on('agent_activity', ({ agent, activity }) =>
    log.add({ agent, action: activity.action, timestamp: activity.timestamp, detail: ActivityLog.describe(activity) }),
  );
  mc.on('notification', ({ title, message, level }) => toasts.show(title, message, level));
  mc.on('task_update', () => reloadTasks());
  mc.on('alert_update', (alert) => alerts.upsert(alert));
  mc.on('session_update', (session) => {
    sessions.upsert(session);
    updateAgentDetail(session);
    cost.refreshSoon();
  });
  mc.on('system_metric', ({ metric, value }) => {
    figures.set(metric, value);
    clearTimeout(chartTimer);
    chartTimer = setTimeout(() => chart.load().catch(() => undefined), 1000);
  });
  mc.connect();
  return mc;
}

function filter() {
  cards.setFilter($('status-filter').value, $('search').value);
}

/** Follows the system until the toggle is used; the choice is remembered in this browser. */
function setUpTheme() {
  const button = $('theme-toggle');
  const systemDark = matchMedia('(prefers-color-scheme: dark)');
  const current = () => document.documentElement.dataset.theme ?? (systemDark.matches ? 'dark' : 'light');
  const label = () => {
    button.textContent = `Dark mode: ${current() === 'dark' ? 'on' : 'off'}`;
    button.setAttribute('aria-pressed', String(current() === 'dark'));
  };
  const saved = localStorage.getItem('mission-control-theme');
  if (saved) document.documentElement.dataset.theme = saved;
  label();
  systemDark.addEventListener('change', label);
  button.addEventListener('click', () => {
    const theme = current() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('mission-control-theme', theme);
    label();
  });
}

try {
  const config = await api('/api/dashboard/config');
  // The gateway refuses a connection without the token, so ask for it before connecting.
  if (config.token_required && !storedToken()) await askForToken();
  await loadAll();
  window.missionControl = connect(config.ws_port);
} catch (error) {
  connection.offline();
  toasts.show('Mission Control is not reachable', error.message, 'error');
}
