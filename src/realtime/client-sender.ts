import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';

/** The close code of a client dropped for leaving too much unread (4000–4999 are the application's). */
export const SLOW_CONSUMER_CLOSE = 4008;
/** A dropped client may not read its close frame either: it is cut off after this. */
const TERMINATE_AFTER_MS = 3000;

/**
 * Sends to clients without letting one that does not read grow the server's memory. ws keeps what a
 * socket cannot take yet (`bufferedAmount`) without any limit, so a client whose unsent data stays over
 * `maxBytes` from one turn of the event loop to the next is closed with 4008. A burst sent within one
 * turn (a batch of events committed together) is not held against a client; data still unsent a turn
 * later is.
 */
export class ClientSender {
  private readonly logger = new Logger('RealtimeGateway');
  private readonly dropped = new WeakSet<WebSocket>();
  private turnSnapshot: Map<WebSocket, number> | null = null;
  private sentCount = 0;
  private dropCount = 0;

  constructor(readonly maxBytes: number) {}

  get sent(): number {
    return this.sentCount;
  }

  get drops(): number {
    return this.dropCount;
  }

  /**
   * Broadcasts come as Buffers serialised once: ws queues those same bytes for every client, where a
   * string would be encoded, and held unsent, once per client.
   */
  send(client: WebSocket, payload: Buffer | string): void {
    if (this.dropped.has(client) || client.readyState !== WebSocket.OPEN) return;
    if (this.unsentAtTurnStart(client) > this.maxBytes) return this.drop(client);
    client.send(payload, { binary: false });
    this.sentCount++;
  }

  private drop(client: WebSocket): void {
    this.dropped.add(client);
    this.dropCount++;
    this.logger.warn(`Dropping a slow consumer (${client.bufferedAmount} bytes unsent)`);
    client.close(SLOW_CONSUMER_CLOSE, 'slow consumer');
    setTimeout(() => client.terminate(), TERMINATE_AFTER_MS).unref();
  }

  /** What the client had left unsent when this turn of the event loop began. */
  private unsentAtTurnStart(client: WebSocket): number {
    if (!this.turnSnapshot) {
      this.turnSnapshot = new Map();
      setImmediate(() => (this.turnSnapshot = null));
    }
    let unsent = this.turnSnapshot.get(client);
    if (unsent === undefined) this.turnSnapshot.set(client, (unsent = client.bufferedAmount));
    return unsent;
  }
}
