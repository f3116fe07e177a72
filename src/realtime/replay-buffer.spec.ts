import { ReplayBuffer } from './replay-buffer';

const message = (seq: number, bytes: number, at = 0) => ({ seq, channels: ['*'], text: 'x'.repeat(bytes), at });

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

  it('keeps the last message even when it alone is over the bound', () => {
    const buffer = new ReplayBuffer(100);
    buffer.add(message(1, 50));
    buffer.add(message(2, 500));
    expect([buffer.size, buffer.since(1)?.map((m) => m.seq)]).toEqual([1, [2]]);
  });

  it('keeps the last 10,000 messages of a quiet stream whatever their age, within its bytes', () => {
    const buffer = new ReplayBuffer(64 * 1024 * 1024);
    for (let seq = 1; seq <= 12_000; seq++) buffer.add(message(seq, 10, seq * 60_000));
    expect(buffer.size).toBe(10_000);
    expect(buffer.since(2_000)?.length).toBe(10_000);
  });
});
