import { ReplayBuffer } from './replay-buffer';

const message = (seq: number, bytes: number, at = 0) => ({
  seq,
  channels: ['*'],
  payload: Buffer.alloc(bytes, seq % 256),
  at,
});

describe('ReplayBuffer', () => {
  it('holds at most its bytes, dropping the oldest, and says when a resume reaches past what it holds', () => {
    const buffer = new ReplayBuffer(10_000);
    for (let seq = 1; seq <= 100; seq++) buffer.add(message(seq, 1_000));
    expect(buffer.bytes).toBeLessThanOrEqual(10_000);
    expect(buffer.size).toBe(10);
    expect(buffer.since(90)?.map((m) => m.seq)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    expect(buffer.since(89)).toBeNull();
    expect(buffer.since(10)).toBeNull();
  });

  it('gives back each message byte for byte while the ring is written over, whatever their sizes', () => {
    const buffer = new ReplayBuffer(10_000);
    const sizes = [1, 2_999, 700, 4_000, 10_000, 123, 5_001, 2_500];
    for (let seq = 1; seq <= 400; seq++) {
      buffer.add(message(seq, sizes[seq % sizes.length]));
      const held = buffer.since(seq - buffer.size) ?? [];
      expect(held.map((m) => m.seq)).toEqual(Array.from({ length: buffer.size }, (_, i) => seq - buffer.size + 1 + i));
      for (const m of held) expect(m.payload.equals(message(m.seq, sizes[m.seq % sizes.length]).payload)).toBe(true);
      expect(buffer.bytes).toBeLessThanOrEqual(10_000);
    }
  });

  it('holds text as its UTF-8 bytes, beside messages given as bytes', () => {
    const buffer = new ReplayBuffer(60);
    const texts = ['{"note":"café ☕"}', '{"agent":"🤖 scout"}', '{"n":3}'];
    texts.forEach((text, i) =>
      buffer.add({ seq: i + 1, channels: ['*'], payload: i === 1 ? Buffer.from(text) : text, at: 0 }),
    );
    expect(buffer.bytes).toBe(texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0));
    expect(buffer.since(0)?.map((m) => m.payload.toString('utf8'))).toEqual(texts);
    buffer.add({ seq: 4, channels: ['*'], payload: 'é'.repeat(20), at: 0 });
    expect(buffer.since(2)?.map((m) => m.payload.toString('utf8'))).toEqual(['{"n":3}', 'é'.repeat(20)]);
  });

  it('hands out copies, so a message waiting to be sent is not written over', () => {
    const buffer = new ReplayBuffer(1_000);
    buffer.add(message(1, 600));
    const [first] = buffer.since(0) ?? [];
    buffer.add(message(2, 600));
    expect(first.payload.equals(Buffer.alloc(600, 1))).toBe(true);
  });

  it('replays only what the resuming client wants', () => {
    const buffer = new ReplayBuffer(10_000);
    for (let seq = 1; seq <= 5; seq++) buffer.add({ ...message(seq, 10), channels: [seq % 2 ? 'tasks' : 'metrics'] });
    expect(buffer.since(1, (m) => m.channels.includes('tasks'))?.map((m) => m.seq)).toEqual([3, 5]);
  });

  it('cannot hold a message larger than itself: a resume from before it needs a resync', () => {
    const buffer = new ReplayBuffer(100);
    buffer.add(message(1, 50));
    buffer.add(message(2, 500));
    expect([buffer.size, buffer.since(1), buffer.since(2)]).toEqual([0, null, []]);
    buffer.add(message(3, 50));
    expect(buffer.since(2)?.map((m) => m.seq)).toEqual([3]);
  });

  it('keeps the last 10,000 messages of a quiet stream whatever their age, within its bytes', () => {
    const buffer = new ReplayBuffer(64 * 1024 * 1024);
    for (let seq = 1; seq <= 12_000; seq++) buffer.add(message(seq, 10, seq * 60_000));
    expect(buffer.size).toBe(10_000);
    expect(buffer.since(2_000)?.length).toBe(10_000);
  });
});
