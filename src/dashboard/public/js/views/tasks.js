import { h } from '../dom.js';

/** The task queue's top-level tasks. */
export function renderTasks(tbody, tasks) {
  if (!tasks.length) return tbody.replaceChildren(h('tr', {}, h('td', { colspan: 4 }, 'The queue is empty.')));
  tbody.replaceChildren(
    ...tasks.map((t) =>
      h(
        'tr',
        { dataset: { task: t.id } },
        h('td', {}, t.text || t.id),
        h('td', {}, t.status.replace(/_/g, ' ')),
        h('td', {}, t.priority ?? '–'),
        h('td', {}, t.assigned_to ?? '–'),
      ),
    ),
  );
}
