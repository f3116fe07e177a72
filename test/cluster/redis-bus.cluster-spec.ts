import Redis from 'ioredis';
import { DeliveredMessage, RedisBus } from '../../src/cluster/redis-bus';
import { redis, REDIS_URL } from './cluster-harness';

/**
 * The bus's stream format: each publish is one entry holding its messages, which every bus reads back
 * one by one with consecutive seqs; a resume may start in the middle of an entry; entries written
 * one message each (by instances before batching) still read as they were.
 */
describe('RedisBus stream entries', () => {
  const buses: RedisBus[] = [];
  let client: Redis;

  async function bus(): Promise<{ bus: RedisBus; got: DeliveredMessage[] }> {
    const got: DeliveredMessage[] = [];
    const joined = new RedisBus(REDIS_URL, { deliver: (messages) => got.push(...messages), newEpoch: () => {} });
    await joined.start();
    buses.push(joined);
    return { bus: joined, got };
  }

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  // Envelopes as the gateway opens them: JSON text, a line break in the data escaped.
  const message = (type: string, channels: string[], data: unknown = {}) => ({
    channels,
    prefix: `{"type":"${type}","data":${JSON.stringify(data)},"source":"test"`,
  });

  beforeEach(async () => {
    redis('FLUSHDB');
    client = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
    client.disconnect();
  });

  it('appends each publish as one entry, read back by every bus as its messages with consecutive seqs', async () => {
    const a = await bus();
    const b = await bus();
    const first = [
      message('agent_activity', ['activity', 'agent:scout'], { note: 'two\nlines' }),
      message('notification', []),
      message('agent_status', ['agents', 'agent:main']),
    ];
    expect(await a.bus.publish(first)).toBe(true);
    expect(await a.bus.publish([], 'outbox:7')).toBe(true);
    expect(await b.bus.publish([message('task_update', ['tasks'])])).toBe(true);
    await until(() => a.got.length === 4 && b.got.length === 4);

    const expected = [...first, message('task_update', ['tasks'])].map((m, i) => ({ ...m, seq: i + 1 }));
    expect(a.got).toEqual(expected);
    expect(b.got).toEqual(expected);
    expect(JSON.parse(`${a.got[0].prefix}}`).data.note).toBe('two\nlines');
    expect(await client.xlen('{mc}:broadcast')).toBe(2);
    expect(await b.bus.taken(['outbox:7', 'outbox:8'])).toEqual([true, false]);
    expect(await a.bus.lag()).toBe(0);
  });

  it('replays a range that starts or ends inside an entry, and says when the stream no longer holds its start', async () => {
    const { bus: one } = await bus();
    await one.publish([message('a', ['x']), message('b', ['x']), message('c', ['x'])]);
    await one.publish([message('d', ['y']), message('e', ['y'])]);
    const types = (messages: DeliveredMessage[] | null) =>
      messages?.map((m) => `${m.seq}:${JSON.parse(`${m.prefix}}`).type}`);

    expect(types(await one.range(2, 4))).toEqual(['2:b', '3:c', '4:d']);
    expect(types(await one.range(1, 5))).toEqual(['1:a', '2:b', '3:c', '4:d', '5:e']);
    expect(types(await one.range(5, 5))).toEqual(['5:e']);
    expect(await one.range(6, 5)).toEqual([]);

    // Trimmed to the second entry: seq 2 is gone, 4 is still there.
    await client.xtrim('{mc}:broadcast', 'MINID', '4-0');
    expect(await one.range(2, 5)).toBeNull();
    expect(types(await one.range(4, 5))).toEqual(['4:d', '5:e']);
  });

  it('reads entries written one message each, as instances before batching wrote them', async () => {
    const { bus: reader, got } = await bus();
    const epoch = await client.get('{mc}:epoch');
    await client.set('{mc}:seq', '2');
    await client.xadd('{mc}:broadcast', '1-0', 'e', epoch!, 'c', 'activity,agent:scout', 'p', '{"type":"one"');
    await client.xadd('{mc}:broadcast', '2-0', 'e', epoch!, 'c', '', 'p', '{"type":"two"');
    await reader.publish([message('three', ['tasks'])]);
    await until(() => got.length === 3);

    expect(got).toEqual([
      { seq: 1, channels: ['activity', 'agent:scout'], prefix: '{"type":"one"' },
      { seq: 2, channels: [], prefix: '{"type":"two"' },
      { seq: 3, ...message('three', ['tasks']) },
    ]);
    expect((await reader.range(1, 3))?.map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});
