import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

/** One broadcast message on the bus: its channels, and its JSON envelope up to (not including) `,"seq":N}`. */
export interface BusMessage {
  channels: string[];
  prefix: string;
}

export interface DeliveredMessage extends BusMessage {
  seq: number;
}

/** Keys share one hash tag, so the publishing script's keys sit on one node of a Redis Cluster too. */
const STREAM = '{mc}:broadcast';
const SEQ = '{mc}:seq';
const EPOCH = '{mc}:epoch';
const PUBLISHED = '{mc}:published:';
/**
 * Messages the stream keeps (MINID ~, so a few more): the most a gateway's replay buffer holds,
 * so a client resuming on any instance reaches as far back as it could on one.
 */
const KEEP = 100_000;
/** Entries (each one publish's messages) read at once. */
const READ_ENTRIES = 100;
const BLOCK_MS = 1_000;
/**
 * What may wait for Redis in this process's queue while Redis is away. Beyond it broadcasts are
 * dropped rather than piling up in memory: those of events stay in the outbox, which the leader
 * sends again once Redis is back; the rest (agent and metric updates) clients get again when they
 * resync, which a Redis that lost its data makes them do.
 */
const MAX_WAITING_BYTES = 64 * 2 ** 20;

/**
 * Appends a batch atomically, as one stream entry: its messages get the next seqs from one counter,
 * and the entry the id `<first seq>-0`, so seq is gap-free and the same on every instance. The
 * entry holds the epoch, the count, and the messages' channels and envelopes, each joined by line
 * breaks. One entry rather than one per message: reading and writing a field per message was most
 * of what cluster mode cost an instance per event, on every instance. The epoch is created by
 * whoever finds it missing (first start, or Redis lost its data). A batch sent twice (a reconnecting
 * client resends what had no answer) is appended once.
 */
const PUBLISH = `
if redis.call('SET', KEYS[4], '1', 'NX', 'EX', 3600) == false then return 0 end
redis.call('SET', KEYS[3], ARGV[1], 'NX')
local count = tonumber(ARGV[3])
if count == 0 then return 1 end
local epoch = redis.call('GET', KEYS[3])
local last = redis.call('INCRBY', KEYS[2], count)
local oldest = math.max(0, last - tonumber(ARGV[2]))
redis.call('XADD', KEYS[1], 'MINID', '~', oldest, (last - count + 1) .. '-0', 'e', epoch, 'n', count, 'c', ARGV[4], 'p', ARGV[5])
return 1`;

type Entry = [id: string, fields: string[]];

/** Waits between attempts at Redis: doubling from 200 ms, at most 5 s. */
const backoff = (attempt: number) => Math.min(100 * 2 ** attempt, 5_000);

/** What the gateway does with the bus's messages. */
export interface BusListener {
  deliver(messages: DeliveredMessage[]): void;
  /** A new epoch: the seq counts from `seq` again, and nothing before is replayable. */
  newEpoch(epoch: string, seq: number): void;
}

/**
 * The cluster's broadcast bus on one Redis Stream: every instance appends what it produces and reads
 * everything, its own messages included, from its last id on a connection of its own (XREAD BLOCK),
 * so every client of every instance sees the same messages in the same order with the same seq.
 * Publishing never waits for Redis: while it is unreachable, commands queue in the client (up to
 * MAX_WAITING_BYTES) and go out in order once it is back.
 */
export class RedisBus {
  private readonly logger = new Logger('EventBus');
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly origin = randomUUID();
  private published = 0;
  /** Bytes of batches handed to Redis and not answered yet. */
  private waitingBytes = 0;
  private dropping = false;
  private lastSeq = 0;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  epoch = '';

  constructor(
    url: string,
    private readonly listener: BusListener,
  ) {
    const options = { maxRetriesPerRequest: null, retryStrategy: backoff, lazyConnect: true };
    this.commands = new Redis(url, { ...options, connectionName: 'mission-control' });
    this.reader = new Redis(url, { ...options, connectionName: 'mission-control-reader' });
    this.commands.defineCommand('mcPublish', { numberOfKeys: 4, lua: PUBLISH });
    for (const connection of [this.commands, this.reader])
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
  }

  /** Joins the bus: reads the epoch and the last seq, then delivers everything appended after it. */
  async start(): Promise<void> {
    await Promise.all([this.commands.connect(), this.reader.connect()]);
    await this.syncEpoch();
    this.loop = this.read();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reader.disconnect();
    await this.loop;
    // QUIT waits for its answer; a Redis that is away must not hold up the shutdown.
    await this.ask(() => this.commands.quit());
    this.commands.disconnect();
  }

  /** The connection for other commands (heartbeats). */
  get connection(): Redis {
    return this.commands;
  }

  get up(): boolean {
    return this.commands.status === 'ready' && this.reader.status === 'ready';
  }

  /** Messages appended to the stream that this instance has not delivered yet; null while Redis is away. */
  async lag(): Promise<number | null> {
    const seq = await this.ask(() => this.commands.get(SEQ));
    return seq === undefined ? null : Math.max(0, Number(seq ?? 0) - this.lastSeq);
  }

  /**
   * A command whose answer is worth having only now (health): undefined at once while Redis is away,
   * or after a second, rather than waiting in the queue for Redis to come back.
   */
  async ask<T>(command: () => Promise<T>): Promise<T | undefined> {
    if (this.commands.status !== 'ready') return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 1_000)));
    try {
      return await Promise.race([command().catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Appends a batch, once: under `id` (an outbox row's), or a name of its own, the script skips a
   * batch it has taken within the hour. Resolves true once Redis has it.
   */
  publish(messages: BusMessage[], id?: string): Promise<boolean> {
    // An outbox row's batch goes even empty (events about no agent make no message): its key records it as handled.
    if (!messages.length && !id) return Promise.resolve(true);
    const key = `${PUBLISHED}${id ?? `${this.origin}:${++this.published}`}`;
    // Line breaks part them: an envelope is JSON text, where a line break is always escaped, and no
    // channel name holds one.
    let channels = '';
    let prefixes = '';
    for (let i = 0; i < messages.length; i++) {
      const separator = i ? '\n' : '';
      channels += separator + messages[i].channels.join(',');
      prefixes += separator + messages[i].prefix;
    }
    const bytes = channels.length + prefixes.length;
    if (this.commands.status !== 'ready' && this.waitingBytes + bytes > MAX_WAITING_BYTES) {
      if (!this.dropping)
        this.logger.warn(
          `Redis has been away too long: broadcasts beyond ${MAX_WAITING_BYTES / 2 ** 20} MB waiting are dropped until it is back (events' are sent again from the outbox)`,
        );
      this.dropping = true;
      return Promise.resolve(false);
    }
    this.dropping = false;
    this.waitingBytes += bytes;
    return (this.commands as Redis & { mcPublish(...args: unknown[]): Promise<number> })
      .mcPublish(STREAM, SEQ, EPOCH, key, randomUUID(), KEEP, messages.length, channels, prefixes)
      .then(
        () => true,
        (error: Error) => {
          this.logger.error(`Publishing ${messages.length} messages failed: ${error.message}`);
          return false;
        },
      )
      .finally(() => (this.waitingBytes -= bytes));
  }

  /** For each id, whether a batch under it was appended (within the hour); undefined while Redis is away. */
  taken(ids: string[]): Promise<boolean[] | undefined> {
    if (!ids.length) return Promise.resolve([]);
    return this.ask(async () =>
      (await this.commands.mget(...ids.map((id) => `${PUBLISHED}${id}`))).map((v) => v !== null),
    );
  }

  /** Messages `from`…`to` from the stream, or null when it no longer holds `from`. */
  async range(from: number, to: number): Promise<DeliveredMessage[] | null> {
    if (from > to) return [];
    // The entry holding `from` (the last one at or before it), then those after it.
    const [holding, after] = (await Promise.all([
      this.commands.xrevrange(STREAM, `${from}-0`, '-', 'COUNT', 1),
      this.commands.xrange(STREAM, `(${from}-0`, `${to}-0`),
    ])) as [Entry[], Entry[]];
    const messages = [...holding.reverse(), ...after]
      .flatMap((entry) => toMessages(entry).messages)
      .filter((m) => m.seq >= from && m.seq <= to);
    return messages[0]?.seq === from ? messages : null;
  }

  /** The epoch and the counter now; a new epoch (Redis lost its data) starts the count again. */
  private async syncEpoch(): Promise<void> {
    await this.commands.set(EPOCH, randomUUID(), 'NX');
    const [epoch, seq] = await this.commands.mget(EPOCH, SEQ);
    if (epoch === this.epoch) return;
    // At start, what comes next; under a new epoch, everything in it: all of it is new to every client.
    this.lastSeq = this.epoch ? 0 : Number(seq ?? 0);
    this.epoch = epoch as string;
    this.listener.newEpoch(this.epoch, this.lastSeq);
  }

  private async read(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const answer = (await this.reader.xread(
          'COUNT',
          READ_ENTRIES,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          STREAM,
          `${this.lastSeq}-0`,
        )) as [string, Entry[]][] | null;
        const messages: DeliveredMessage[] = [];
        let last = 0;
        for (const entry of answer?.[0]?.[1] ?? []) {
          const batch = toMessages(entry);
          if (batch.epoch !== this.epoch) continue;
          last = batch.last;
          for (const message of batch.messages) messages.push(message);
          if (!batch.messages.length) this.logger.warn(`Skipped bus entry ${entry[0]}: its messages could not be read`);
        }
        if (last) {
          this.lastSeq = last;
          this.listener.deliver(messages);
        } else {
          // Idle: the time to notice that Redis lost its data (the stream starts over under a new epoch).
          await this.syncEpoch();
        }
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`Reading the bus failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, backoff(++failures)));
      }
    }
  }
}

interface EntryMessages {
  epoch: string | undefined;
  /** The seq of the entry's last message. */
  last: number;
  /** Its messages; none if they could not be read. */
  messages: DeliveredMessage[];
}

/** A stream entry's messages: a batch (count `n`), or a single message as instances before batching wrote it. */
function toMessages([id, fields]: Entry): EntryMessages {
  let epoch: string | undefined;
  let count: string | undefined;
  let channels = '';
  let prefixes = '';
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1];
    if (fields[i] === 'e') epoch = value;
    else if (fields[i] === 'n') count = value;
    else if (fields[i] === 'c') channels = value;
    else if (fields[i] === 'p') prefixes = value;
  }
  const first = Number(id.slice(0, id.indexOf('-')));
  const channelsOf = (text: string) => (text ? text.split(',') : []);
  if (count === undefined)
    return { epoch, last: first, messages: [{ seq: first, channels: channelsOf(channels), prefix: prefixes }] };
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1) return { epoch, last: first, messages: [] };
  const parts = prefixes.split('\n');
  const channelParts = channels.split('\n');
  const readable = parts.length === n && channelParts.length === n;
  return {
    epoch,
    last: first + n - 1,
    messages: readable
      ? parts.map((prefix, k) => ({ seq: first + k, channels: channelsOf(channelParts[k]), prefix }))
      : [],
  };
}
