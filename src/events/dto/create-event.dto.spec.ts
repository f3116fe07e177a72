import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateEventBatchDto, CreateEventDto, isValidEvent, isValidEventBatch } from './create-event.dto';

/** The quick checks must accept exactly what the decorators accept, or the two paths would disagree. */
describe('the quick event checks agree with the DTO decorators', () => {
  const good = {
    event_type: 'task_completed',
    agent_id: 'forge',
    timestamp: '2026-02-17T00:46:00Z',
    data: { task_id: 'T1' },
  };
  const events: unknown[] = [
    good,
    { event_type: 'x' },
    { event_type: 'a.b:c-d_9', agent_id: null, timestamp: null, data: null },
    { ...good, extra: 'ignored' },
    { ...good, timestamp: '2026-02-17T00:46:00.123+05:30' },
    {},
    { event_type: '' },
    { event_type: 'Task' },
    { event_type: 'x'.repeat(65) },
    { event_type: 5 },
    { event_type: ['task_completed'] },
    { ...good, agent_id: '../etc' },
    { ...good, agent_id: '' },
    { ...good, agent_id: 7 },
    { ...good, timestamp: 'yesterday' },
    { ...good, timestamp: '2026-02-30T10:00:00Z' },
    { ...good, timestamp: '2026-02-17 00:46:00' },
    { ...good, timestamp: 1771289160000 },
    { ...good, data: [1, 2] },
    { ...good, data: 'text' },
    { ...good, data: 0 },
    { ...good, data: { blob: 'x'.repeat(16 * 1024) } },
    { ...good, data: { blob: 'x'.repeat(16 * 1024 - 20) } },
    { ...good, timestamp: '9999-01-01T00:00:00Z' },
    { ...good, timestamp: '1999-12-31T23:59:59Z' },
    { ...good, timestamp: new Date(Date.now() + 3_600_000).toISOString() },
    { ...good, data: { cost_usd: 1e308 } },
    { ...good, data: { cost_usd: 100_000, input_tokens: 1e9, duration: '42', duration_ms: null } },
    { ...good, data: { input_tokens: 1e9 + 1 } },
    { ...good, data: { output_tokens: -1 } },
    { ...good, data: { duration: 'soon' } },
    { ...good, data: { duration_ms: true } },
    { ...good, data: { response_time: Infinity } },
    null,
    [good],
    'task_completed',
  ];

  const decoratorsAccept = (dto: object, value: unknown) => {
    if (typeof value !== 'object' || value === null) return false;
    return validateSync(plainToInstance(dto as never, value) as object, { forbidUnknownValues: true }).length === 0;
  };

  it.each(events.map((e, i) => [i, e]))('event %i', (_i, event) => {
    expect(isValidEvent(event)).toBe(decoratorsAccept(CreateEventDto, event));
  });

  it.each([
    [{ events: [good] }],
    [{ events: events.slice(0, 5) }],
    [{ events: [] }],
    [{ events: Array.from({ length: 1000 }, () => good) }],
    [{ events: Array.from({ length: 1001 }, () => good) }],
    [{ events: [good, { event_type: 'BAD' }] }],
    [{ events: [good, null] }],
    [{ events: good }],
    [{}],
  ])('batch %#', (batch) => {
    expect(isValidEventBatch(batch)).toBe(decoratorsAccept(CreateEventBatchDto, batch));
  });
});

describe('event figures and times out of bounds (issue 29)', () => {
  const good = { event_type: 'llm_usage', agent_id: 'forge', data: { cost_usd: 1, input_tokens: 10 } };
  it.each([
    [{ ...good, data: { cost_usd: 1e308 } }],
    [{ ...good, data: { input_tokens: 1e9 + 1 } }],
    [{ ...good, data: { duration: 1e308 } }],
    [{ ...good, data: { duration_ms: -1 } }],
    [{ ...good, timestamp: '9999-01-01T00:00:00Z' }],
    [{ ...good, timestamp: new Date(Date.now() + 25 * 3_600_000).toISOString() }],
  ])('refuses %j, naming the field', (event) => {
    expect(isValidEvent(event)).toBe(false);
    const errors = validateSync(plainToInstance(CreateEventDto, event) as object);
    const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^(data\.\w+|timestamp) must be /);
  });

  it('takes the same event within bounds', () => {
    expect(isValidEvent({ ...good, timestamp: new Date().toISOString() })).toBe(true);
  });
});
