import { api } from '../api.js';
import { count, dateTime, h, usd } from '../dom.js';

const ROLE_TEXT = { user: 'User', assistant: 'Assistant', toolResult: 'Tool result' };
/** Stop reasons of an ordinary answer, not worth a mention. */
const USUAL_STOPS = new Set(['stop', 'toolUse']);

/** One message; its text is put in as a text node, so markup in it shows as written. */
function message(m) {
  const head = h(
    'div',
    { class: 'message-head' },
    h('strong', {}, ROLE_TEXT[m.role] ?? m.role),
    m.tool_name ? h('code', {}, m.tool_name) : null,
    m.is_error ? h('span', { class: 'badge', dataset: { status: 'error' } }, 'Error') : null,
    h('time', { datetime: m.timestamp }, dateTime(m.timestamp)),
    m.model ? h('span', { class: 'muted' }, m.model) : null,
    m.stop_reason && !USUAL_STOPS.has(m.stop_reason)
      ? h('span', { class: 'muted' }, `stopped: ${m.stop_reason}`)
      : null,
  );
  const calls = m.tool_calls?.length
    ? h(
        'ul',
        { class: 'tool-calls', 'aria-label': 'Tool calls' },
        ...m.tool_calls.map((c) => h('li', {}, 'Calls ', h('code', {}, c.name))),
      )
    : null;
  const usage = m.usage
    ? h(
        'p',
        { class: 'muted' },
        `${count(m.usage.input_tokens)} in · ${count(m.usage.output_tokens)} out · ${usd(m.usage.cost_usd)}`,
      )
    : null;
  return h(
    'li',
    { class: 'message', dataset: { role: m.role, seq: m.seq, ...(m.is_error || m.error ? { error: '' } : {}) } },
    head,
    m.text ? h('div', { class: 'message-text' }, m.text) : null,
    m.truncated ? h('p', { class: 'muted' }, 'Shortened to its first 4 KiB.') : null,
    calls,
    m.error ? h('p', { class: 'failed' }, `Error: ${m.error}`) : null,
    usage,
  );
}

function transcriptPath(key, before) {
  return `/api/sessions/${encodeURIComponent(key)}/transcript${before === undefined ? '' : `?before=${before}`}`;
}

/**
 * A session's transcript, oldest first, with a button for the page before when there is one.
 * It may need the API token: api() sends it, and asks for it on a 401.
 */
export async function showTranscript(container, key) {
  const heading = h('h3', { tabindex: -1 }, `Transcript of ${key}`);
  container.replaceChildren(heading, h('p', {}, 'Loading…'));
  let page;
  try {
    page = await api(transcriptPath(key));
  } catch (error) {
    container.replaceChildren(
      heading,
      h('p', { class: 'failed' }, `The transcript could not be read: ${error.message}`),
    );
    return heading.focus();
  }
  const list = h('ol', { class: 'transcript' }, ...page.messages.map(message));
  const problem = h('p', { class: 'failed', hidden: true });
  const earlier = h('button', { type: 'button', hidden: page.next_before === null }, 'Earlier messages');
  earlier.addEventListener('click', async () => {
    earlier.disabled = true;
    try {
      page = await api(transcriptPath(key, page.next_before));
      list.prepend(...page.messages.map(message));
      earlier.hidden = page.next_before === null;
      problem.hidden = true;
    } catch (error) {
      problem.textContent = `Earlier messages could not be read: ${error.message}`;
      problem.hidden = false;
    } finally {
      earlier.disabled = false;
    }
  });
  container.replaceChildren(
    heading,
    earlier,
    problem,
    list,
    ...(page.messages.length ? [] : [h('p', {}, 'No messages.')]),
  );
  // Focused once the messages are in, so the dialog scrolls to them and a screen reader starts there.
  heading.focus();
}
