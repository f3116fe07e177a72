import { clockTime, h } from '../dom.js';

const MAX_ENTRIES = 200;

/** Newest first, capped: what agents did, as agent_activity messages arrive. */
export class ActivityLog {
  constructor(list) {
    this.list = list;
  }

  add({ agent, action, timestamp, detail }) {
    const failed = action === 'task_failed' || action === 'error';
    const item = h(
      'li',
      { class: failed ? 'failed' : null, dataset: { action } },
      h('time', { datetime: timestamp }, clockTime(timestamp)),
      `${agent} · ${action}`,
      detail ? ` · ${detail}` : null,
    );
    this.list.prepend(item);
    while (this.list.children.length > MAX_ENTRIES) this.list.lastElementChild.remove();
  }

  /** From an event of the log (REST) or an agent_activity message (gateway). */
  static describe(data) {
    const parts = ['task_id', 'description', 'message', 'reason', 'status', 'to']
      .map((k) => data?.[k])
      .filter((v) => typeof v === 'string' || typeof v === 'number');
    return parts.slice(0, 2).join(' · ');
  }
}
