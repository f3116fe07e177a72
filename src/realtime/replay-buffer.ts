/** A broadcast message as sent, kept for clients that resume. */
export interface BufferedMessage {
  seq: number;
  channels: string[];
  text: string;
  at: number;
}

const KEEP_MESSAGES = 10_000;
const KEEP_MS = 10 * 60_000;
/** A hard cap, so a flood within ten minutes cannot grow memory without bound. */
const MAX_MESSAGES = 100_000;

/**
 * The last broadcast messages, at least the last 10,000 or the last 10 minutes, whichever holds more
 * (up to 100,000), in seq order, and never more than `maxBytes` of them: large messages make it hold
 * fewer, and a client that resumes from further back gets `resync_required`.
 */
export class ReplayBuffer {
  private messages: BufferedMessage[] = [];
  private start = 0;
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(message: BufferedMessage): void {
    this.messages.push(message);
    this.heldBytes += Buffer.byteLength(message.text);
    const now = message.at;
    while (
      this.size > 1 &&
      (this.heldBytes > this.maxBytes || this.size > MAX_MESSAGES || (this.size > KEEP_MESSAGES && now - this.messages[this.start].at > KEEP_MS))
    ) {
      this.heldBytes -= Buffer.byteLength(this.messages[this.start].text);
      this.start++;
    }
    // Compact now and then rather than shifting on every message.
    if (this.start > 4096 && this.start > this.messages.length / 2) {
      this.messages = this.messages.slice(this.start);
      this.start = 0;
    }
  }

  get size(): number {
    return this.messages.length - this.start;
  }

  /** Bytes of the messages held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Messages after `seq`, or null when some of them are no longer kept. */
  since(seq: number): BufferedMessage[] | null {
    const oldest = this.size ? this.messages[this.start].seq : null;
    if (oldest !== null && seq < oldest - 1) return null;
    const result: BufferedMessage[] = [];
    for (let i = this.messages.length - 1; i >= this.start && this.messages[i].seq > seq; i--) result.push(this.messages[i]);
    return result.reverse();
  }
}
