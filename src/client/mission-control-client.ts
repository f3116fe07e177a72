/**
 * The Mission Control dashboard client: one ES module for browsers (served at
 * /client/mission-control-client.js) that also runs in Node with the `ws` package:
 *
 *   const mc = new MCWebSocketClient('ws://127.0.0.1:8765');
 *   mc.connect();
 *   const off = mc.on('agent_status', (data, timestamp, source) => render(data));
 *   mc.subscribe('notifications');
 *   mc.requestAgentStatus('forge');
 *   mc.disconnect();
 *
 * Beyond the original client: reconnection with exponential backoff and full jitter, automatic
 * resume from the last seen `seq` (same subscriptions, nothing missed, nothing twice), and a
 * `resync_required` event when the server cannot fill the gap.
 */

/** The part of the WebSocket interface the client uses; the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type SocketConstructor = new (url: string) => SocketLike;

export interface MCClientOptions {
  /** The WebSocket class; defaults to the browser's. In Node: `require('ws')`. */
  WebSocket?: SocketConstructor;
  /** Sent as `?token=` when the server has MC_API_TOKEN set. */
  token?: string;
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean;
  /** First reconnect delay ceiling in ms (default 500); it doubles each attempt up to maxDelayMs. */
  initialDelayMs?: number;
  /** Largest reconnect delay ceiling in ms (default 30000). */
  maxDelayMs?: number;
  /** Give up after this many attempts in a row (default: never). */
  maxAttempts?: number;
  /** How often to ping the server, in ms (default 25000); silence for 2.5 times this counts as a dead connection. */
  heartbeatIntervalMs?: number;
  /** Messages kept while disconnected, oldest dropped first (default 100). */
  maxQueue?: number;
  /** Source of randomness for the jitter (default Math.random). */
  random?: () => number;
}

// What `data` holds depends on the message type; callers' handlers read it as the protocol documents it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (data: any, timestamp?: string, source?: string) => void;

const OPEN = 1;

export class MCWebSocketClient {
  private socket: SocketLike | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly channels = new Set<string>();
  private wantsAll = true;
  private queue: string[] = [];
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private manualClose = false;
  private readonly options: Required<Omit<MCClientOptions, 'WebSocket' | 'token'>> &
    Pick<MCClientOptions, 'WebSocket' | 'token'>;
  /** The last broadcast `seq` received, and the server that numbered it. */
  lastSeq: number | null = null;
  serverId: string | null = null;

  constructor(
    readonly url: string,
    options: MCClientOptions = {},
  ) {
    this.options = {
      reconnect: true,
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      maxAttempts: Infinity,
      heartbeatIntervalMs: 25_000,
      maxQueue: 100,
      random: Math.random,
      ...options,
    };
  }

  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  connect(): void {
    this.manualClose = false;
    if (this.socket) return;
    const Socket = this.options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
    if (!Socket) throw new Error('No WebSocket implementation: pass options.WebSocket (in Node, the ws package)');
    const url = this.options.token
      ? `${this.url}${this.url.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.options.token)}`
      : this.url;
    const socket = new Socket(url);
    this.socket = socket;
    socket.onopen = () => this.onOpen();
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => this.onClose(socket, event);
    socket.onerror = (event) => this.emit('error', event);
  }

  disconnect(): void {
    this.manualClose = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client disconnect');
  }

  /**
   * Listens to a message type (`agent_status`, `notification`, `session_update`…) or a client event (`connected`,
   * `disconnected`, `reconnecting`, `resync_required`, `error`). Returns the function that stops listening.
   */
  on(type: string, handler: Handler): () => void {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type)!.add(handler);
    return () => this.off(type, handler);
  }

  off(type: string, handler: Handler): void {
    this.handlers.get(type)?.delete(handler);
  }

  subscribe(channel: string): void {
    if (channel === '*') this.wantsAll = true;
    else this.channels.add(channel);
    this.send({ type: 'subscribe', channel });
  }

  unsubscribe(channel: string): void {
    if (channel === '*') this.wantsAll = false;
    else this.channels.delete(channel);
    this.send({ type: 'unsubscribe', channel });
  }

  requestAgentStatus(agentId: string): void {
    this.send({ type: 'request_agent_status', agent_id: agentId });
  }

  ping(): void {
    this.send({ type: 'ping' });
  }

  /** Sends now, or queues (bounded) until the connection is back. */
  send(message: Record<string, unknown>): void {
    const text = JSON.stringify(message);
    if (this.connected) return this.socket!.send(text);
    this.queue.push(text);
    if (this.queue.length > this.options.maxQueue) this.queue.shift();
  }

  private onOpen(): void {
    this.attempts = 0;
    this.lastHeard = Date.now();
    this.startHeartbeat();
    // Restore the feed first, so the server replays exactly what these subscriptions would have received.
    const socket = this.socket!;
    const direct = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
    if (!this.wantsAll) direct({ type: 'unsubscribe', channel: '*' });
    for (const channel of this.channels) direct({ type: 'subscribe', channel });
    if (this.lastSeq !== null && this.serverId !== null)
      direct({ type: 'resume', since: this.lastSeq, server_id: this.serverId });
    const queued = this.queue;
    this.queue = [];
    for (const text of queued) socket.send(text);
    this.emit('connected', { url: this.url });
  }

  private onMessage(raw: unknown): void {
    this.lastHeard = Date.now();
    // Parsed JSON from the server: each field read is checked for its type where it matters.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let message: Record<string, any>;
    try {
      message = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (message.type === 'welcome') {
      // A fresh connection, or one the server cannot resume: start counting from its seq.
      if (this.serverId !== message.server_id || this.lastSeq === null) this.lastSeq = message.seq;
      this.serverId = message.server_id;
    } else if (message.type === 'resync_required') {
      this.serverId = message.server_id ?? this.serverId;
      this.lastSeq = typeof message.seq === 'number' ? message.seq : this.lastSeq;
    } else if (typeof message.seq === 'number' && message.source !== undefined) {
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
    }
    if ('data' in message && message.source !== undefined)
      this.emit(message.type, message.data, message.timestamp, message.source);
    else this.emit(message.type, message, message.timestamp);
  }

  private onClose(socket: SocketLike, event: { code: number; reason: string }): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.clearTimers();
    this.emit('disconnected', { code: event.code, reason: event.reason });
    if (this.manualClose || !this.options.reconnect || this.attempts >= this.options.maxAttempts) return;
    // Full jitter: a random delay up to a ceiling that doubles each attempt.
    const ceiling = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** this.attempts);
    const delay = Math.round(this.options.random() * ceiling);
    this.attempts++;
    this.emit('reconnecting', { attempt: this.attempts, delay_ms: delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const interval = this.options.heartbeatIntervalMs;
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > interval * 2.5) return this.socket?.close(4000, 'no answer from the server');
      this.ping();
    }, interval);
  }

  private clearTimers(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.heartbeatTimer = null;
    this.reconnectTimer = null;
  }

  private emit(type: string, data: unknown, timestamp?: string, source?: string): void {
    for (const handler of [...(this.handlers.get(type) ?? [])]) handler(data, timestamp, source);
  }
}
