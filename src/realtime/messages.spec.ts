import { jsonOf } from '../common/json';
import { LoggedEvent } from '../contracts/domain-events';
import { dataJson, fromLoggedEvent } from './messages';

/** What the activity was before it was written around the stored JSON: the object, serialised. */
function expected(event: LoggedEvent): string {
  return JSON.stringify({
    agent: event.agent_id,
    activity: { ...event.data, action: event.type, event_id: event.id, timestamp: event.timestamp },
  });
}

describe('agent_activity data', () => {
  const event = (data: Record<string, unknown>): LoggedEvent => ({
    id: 42,
    timestamp: '2026-11-27T10:00:00.000Z',
    type: 'task_started',
    agent_id: 'forge "the smith"',
    data,
  });

  it.each([
    ['empty data', {}],
    ['plain fields', { task_id: 'T1', duration: 12.5, note: 'quotes " and \\ and \u2028' }],
    ['nested and integer-like keys', { b: [1, { c: null }], 10: 'ten', 2: 'two', a: true }],
    ['a key the activity sets', { timestamp: 'theirs', task_id: 'T2' }],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
  ])('is the same text as serialising the object: %s', (_name, data) => {
    const e = event(data);
    jsonOf(e.data);
    const [message] = fromLoggedEvent(e);
    expect(dataJson(message.data)).toBe(expected(e));
  });

  it('is not sent for an event about no agent', () => {
    expect(fromLoggedEvent({ ...event({}), agent_id: null })).toEqual([]);
  });
});
