import { api } from '../api.js';
import { h } from '../dom.js';
import { confirmAction } from './confirm.js';

/** The backup list, with create, verify, download and restore; results show as toasts. */
export class BackupsView {
  constructor(tbody, toasts) {
    this.tbody = tbody;
    this.toasts = toasts;
    document.getElementById('backup-full').addEventListener('click', () => this.create('full'));
    document.getElementById('backup-snapshot').addEventListener('click', () => this.create('snapshot'));
  }

  async load() {
    const { backups } = await api('/api/backups');
    if (!backups.length) return this.tbody.replaceChildren(h('tr', {}, h('td', { colspan: 5 }, 'No backups yet.')));
    this.tbody.replaceChildren(...backups.map((b) => this.row(b)));
  }

  row(b) {
    const label = b.type === 'agent_state' ? `agent ${b.agent_id}` : b.type;
    const actions = h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => this.verify(b) }, 'Verify'),
      h('a', { href: `/api/backups/${b.id}/download`, download: '', class: 'button' }, 'Download'),
      b.type !== 'snapshot'
        ? h('button', { type: 'button', class: 'danger', onclick: () => this.restore(b) }, 'Restore…')
        : null,
    );
    return h(
      'tr',
      { dataset: { backup: b.id } },
      h('td', {}, new Date(b.created_at).toLocaleString()),
      h('td', {}, `${label} (${b.trigger})`),
      h('td', {}, b.size_human),
      h('td', { class: 'status' }, b.status),
      h('td', {}, actions),
    );
  }

  async run(title, work) {
    try {
      const message = await work();
      this.toasts.show(title, message, 'success');
    } catch (error) {
      this.toasts.show(`${title} failed`, error.message, 'error');
    }
    await this.load().catch(() => undefined);
  }

  create(type) {
    this.toasts.show('Backup started', `Making a ${type} backup…`, 'info');
    return this.run('Backup', async () => {
      const b = await api('/api/backups', { method: 'POST', json: { type } });
      return `Backup ${b.id} is ready (${b.size_human}, ${b.file_count} files)`;
    });
  }

  verify(b) {
    return this.run('Verify', async () => {
      const result = await api(`/api/backups/${b.id}/verify`, { method: 'POST' });
      if (!result.valid) throw new Error(`Backup ${b.id} is damaged: ${result.errors.join('; ')}`);
      return `Backup ${b.id} is valid: ${result.checked_files} files match its manifest`;
    });
  }

  async restore(b) {
    const agentId = b.type === 'agent_state' ? b.agent_id : null;
    const when = new Date(b.created_at).toLocaleString();
    const what = agentId
      ? `This replaces agent ${agentId}'s folder (agents/${agentId}/) with its state from backup ${b.id} (${when}).`
      : `This replaces the whole workspace (every agent, the office, the task queue, logs and workflows) with backup ${b.id} (${when}).`;
    if (!(await confirmAction(`${what} A safety backup of the current state is made first.`, 'Restore'))) return;
    this.toasts.show('Restore started', `Restoring from backup ${b.id}…`, 'info');
    await this.run('Restore', async () => {
      const result = await api(`/api/backups/${b.id}/restore`, {
        method: 'POST',
        json: agentId ? { agent_id: agentId } : {},
      });
      return `${result.message} (${result.restored_files} files); safety backup ${result.safety_backup_id}`;
    });
  }
}
