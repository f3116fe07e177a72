/** A broadcast message as sent (its serialised bytes), kept for clients that resume. */
export interface BufferedMessage {
  seq: number;
  channels: string[];
  payload: Buffer;
  at: number;
}

/** Where a held message's bytes are in the ring. */
interface Entry {
  seq: number;
  channels: string[];
  at: number;
  offset: number;
  length: number;
}

const KEEP_MESSAGES = 10_000;
const KEEP_MS = 10 * 60_000;
/** A hard cap, so a flood within ten minutes cannot grow memory without bound. */
const MAX_MESSAGES = 100_000;

/**
 * The last broadcast messages, at least the last 10,000 or the last 10 minutes, whichever holds more
 * (up to 100,000), in seq order, and never more than `maxBytes` of them: large messages make it hold
 * fewer, and a client that resumes from further back gets `resync_required`.
 *
 * Their bytes are copied into one ring of `maxBytes`, written over as messages age out, rather than
 * kept as a Buffer each: a Buffer dropped from the buffer would stay in memory until V8's next full
 * collection, which under a flood of large messages let as much again pile up as the buffer holds.
 */
export class ReplayBuffer {
  private readonly capacity: number;
  /** Allocated at the first message; its pages take memory only once written. */
  private ring: Buffer | null = null;
  private entries: Entry[] = [];
  private start = 0;
  /** Where the next message's bytes go. */
  private head = 0;
  private heldBytes = 0;
  private lastSeq = 0;

  constructor(maxBytes: number) {
    this.capacity = Math.floor(maxBytes);
  }

  /**
   * Keeps a message. Its payload may still be text: a message that no client is sent is encoded once,
   * straight into the ring, with no Buffer of its own to copy.
   */
  add(message: Omit<BufferedMessage, 'payload'> & { payload: Buffer | string }): void {
    this.lastSeq = message.seq;
    const { payload } = message;
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (length > this.capacity) {
      // It cannot be held, so nothing before it can be replayed either.
      while (this.size) this.dropOldest();
      return;
    }
    this.ring ??= Buffer.allocUnsafeSlow(this.capacity);
    let offset: number | null;
    while ((offset = this.room(length)) === null) this.dropOldest();
    if (typeof payload === 'string') this.ring.write(payload, offset, length);
    else payload.copy(this.ring, offset);
    this.entries.push({ seq: message.seq, channels: message.channels, at: message.at, offset, length });
    this.heldBytes += length;
    this.head = offset + length;
    while (
      this.size > 1 &&
      (this.size > MAX_MESSAGES || (this.size > KEEP_MESSAGES && message.at - this.entries[this.start].at > KEEP_MS))
    )
      this.dropOldest();
    // Compact now and then rather than shifting on every message.
    if (this.start > 4096 && this.start > this.entries.length / 2) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * Forgets every message and goes on from `seq`: an instance joining a cluster holds nothing of what
   * came before, and a new epoch makes earlier seqs meaningless.
   */
  restartAt(seq: number): void {
    this.entries = [];
    this.start = 0;
    this.head = 0;
    this.heldBytes = 0;
    this.lastSeq = seq;
  }

  get size(): number {
    return this.entries.length - this.start;
  }

  /** Bytes of the messages held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Messages after `seq` that `wanted` keeps, each with a copy of its bytes (the ring goes on being
   * written over while they wait to be sent), or null when some after `seq` are no longer held.
   */
  since(
    seq: number,
    wanted: (message: { seq: number; channels: string[] }) => boolean = () => true,
  ): BufferedMessage[] | null {
    const oldest = this.size ? this.entries[this.start].seq : this.lastSeq + 1;
    if (seq < oldest - 1) return null;
    const result: BufferedMessage[] = [];
    for (let i = this.start; i < this.entries.length; i++) {
      const { seq: s, channels, at, offset, length } = this.entries[i];
      if (s > seq && wanted(this.entries[i]))
        result.push({
          seq: s,
          channels,
          at,
          payload: Buffer.from((this.ring as Buffer).subarray(offset, offset + length)),
        });
    }
    return result;
  }

  /** Where `length` bytes fit without touching a held message: after the newest, or from the ring's start. */
  private room(length: number): number | null {
    if (!this.size) return 0;
    const tail = this.entries[this.start].offset;
    if (tail < this.head) {
      if (this.capacity - this.head >= length) return this.head;
      return tail >= length ? 0 : null;
    }
    return tail - this.head >= length ? this.head : null;
  }

  private dropOldest(): void {
    this.heldBytes -= this.entries[this.start].length;
    this.start++;
  }
}
