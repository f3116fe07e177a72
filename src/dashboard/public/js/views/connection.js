import { setText } from '../dom.js';

/** Live, reconnecting (with the next attempt's countdown) or offline. */
export class ConnectionIndicator {
  constructor(el) {
    this.el = el;
    this.timer = null;
  }

  live() {
    this.show('live', 'Live');
  }

  offline() {
    this.show('offline', 'Offline');
  }

  reconnecting(delayMs, attempt) {
    const due = Date.now() + delayMs;
    const tick = () =>
      this.show(
        'reconnecting',
        `Reconnecting in ${Math.max(0, Math.ceil((due - Date.now()) / 1000))} s (attempt ${attempt})`,
        true,
      );
    this.show('reconnecting', '');
    tick();
    this.timer = setInterval(tick, 250);
  }

  show(state, text, keepTimer = false) {
    if (!keepTimer && this.timer) clearInterval(this.timer);
    if (!keepTimer) this.timer = null;
    this.el.dataset.state = state;
    setText(this.el, text);
  }
}
