import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PendingReads, STILL_READING } from './pending-reads';

describe('PendingReads', () => {
  let dir: string;
  let fifo: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-pending-'));
    fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Lets the read blocked in open() on the FIFO return: a writer comes, writes and leaves. */
  async function write(text: string): Promise<void> {
    const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    await writer.write(text);
    await writer.close();
  }

  // A real read, stuck in open() in a thread of libuv's pool as on a FIFO no one writes.
  const readFifo = async () => {
    const handle = await open(fifo, 'r');
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  };

  it('stops waiting for a read stuck in open(), starts no second one meanwhile, and takes its result up once it returns', async () => {
    const reads = new PendingReads(200);
    let started = 0;
    const start = () => (started++, readFifo());
    const before = Date.now();
    expect(await reads.read('fifo', start)).toBe(STILL_READING);
    expect(await reads.read('fifo', start)).toBe(STILL_READING);
    expect(Date.now() - before).toBeLessThan(10 * 2 * 200);
    expect(started).toBe(1);
    expect(reads.size).toBe(1);
    await write('roster');
    expect(await reads.read('fifo', start)).toBe('roster');
    expect(started).toBe(1);
    expect(reads.size).toBe(0);
  });

  it('answers at once, and a failed read is thrown once and not kept', async () => {
    const reads = new PendingReads(60_000);
    expect(await reads.read('a', async () => 42)).toBe(42);
    await expect(reads.read('b', async () => Promise.reject(new Error('locked')))).rejects.toThrow('locked');
    expect(reads.size).toBe(0);
    expect(await reads.read('b', async () => 'again')).toBe('again');
  });

  it('at shutdown, waits the grace period only, and no one waits for the stuck read after it', async () => {
    const reads = new PendingReads(60_000);
    const waiting = reads.read('fifo', readFifo);
    const before = Date.now();
    await reads.settle(300);
    expect(await waiting).toBe(STILL_READING);
    expect(Date.now() - before).toBeLessThan(10 * 300);
    await write('');
  });
});
