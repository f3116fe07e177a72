import { h } from '../dom.js';

/** Short-lived notices, by level; errors stay longer and are announced at once. */
export class Toasts {
  constructor(container) {
    this.container = container;
  }

  show(title, message, level = 'info') {
    const toast = h(
      'div',
      { class: 'toast', role: level === 'error' ? 'alert' : 'status', dataset: { level } },
      h('strong', {}, title),
      message,
    );
    this.container.append(toast);
    setTimeout(() => toast.remove(), level === 'error' ? 10_000 : 6_000);
    while (this.container.children.length > 5) this.container.firstElementChild.remove();
  }
}
