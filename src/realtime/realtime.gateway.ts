import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer as WsServer } from 'ws';
import { AppConfig } from '../config/environment';
import { FleetService } from '../agents/fleet.service';
import { ClusterService } from '../cluster/cluster.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { CHANNEL_OF, channelsOf, isChannel, wants } from './channels';
import * as build from './messages';
import { INVALID_MESSAGE } from './realtime.adapter';
import { BufferedMessage, ReplayBuffer } from './replay-buffer';
import { ClientSender } from './client-sender';

const MAX_MESSAGES_PER_SECOND = 50;
const SOURCE = 'mission-control';
/**
 * How long a new client's live messages wait for it to say whether it resumes. Subscriptions do not
 * end the wait (a resuming client restores them first); any other message does.
 */
const HOLD_MS = 500;

interface ClientState {
  subscriptions: Set<string>;
  recent: number[];
  /** The seq at connection: everything after it reaches the client live. */
  liveFrom: number;
  /**
   * Broadcasts held back until the client's first message: if it resumes, the replay sends them in
   * order with what it missed before; otherwise they are released as they are. They are released
   * early once they pass the client's allowance of unsent bytes.
   */
  held: BufferedMessage[] | null;
  heldBytes: number;
  /** Waiting for the bus to replay: what arrives meanwhile stays held, to go after the replay. */
  resuming?: boolean;
}

type Reply = Record<string, unknown>;

/**
 * The only code that knows sockets: it broadcasts the messages its listeners (*.listener.ts) make of domain
 * events, keeps the last ones for clients that resume, and answers what clients ask. Every broadcast
 * message gets the next `seq` (in cluster mode, from the bus) and is serialised once, whatever the
 * number of clients.
 */
@WebSocketGateway()
export class RealtimeGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() private readonly server!: WsServer;
  /** This process's start; in cluster mode, the cluster's epoch. */
  serverId: string = randomUUID();
  private seq = 0;
  /** Broadcasts go through the cluster's bus (MC_REDIS_URL) rather than straight to this process's clients. */
  private onBus = false;
  private readonly clients = new Map<WebSocket, ClientState>();
  private readonly replay: ReplayBuffer;
  /** A client has connected: before the first, no one can resume, so nothing is kept for replay. */
  private welcomed = false;
  private readonly sender: ClientSender;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly config: AppConfig,
    private readonly cluster: ClusterService,
  ) {
    this.replay = new ReplayBuffer(config.get('MC_WS_REPLAY_MAX_MB', { infer: true }) * 1024 * 1024);
    this.sender = new ClientSender(config.get('MC_WS_CLIENT_MAX_MB', { infer: true }) * 1024 * 1024);
  }

  async onModuleInit(): Promise<void> {
    this.onBus = await this.cluster.joinBus({
      deliver: (messages) => {
        for (const m of messages) this.deliver(m.seq, m.channels, m.prefix);
      },
      newEpoch: (epoch, seq) => {
        const restarted = this.seq > 0 || this.clients.size > 0;
        this.serverId = epoch;
        this.seq = seq;
        this.replay.restartAt(seq);
        // Redis lost the stream: as after a restart, clients reconnect, find a new server_id and resync.
        if (restarted) for (const client of this.clients.keys()) client.close(1012, 'event bus restarted');
      },
    });
  }

  afterInit(): void {
    const seconds = this.config.get('MC_WS_HEARTBEAT', { infer: true });
    this.heartbeat = setInterval(() => this.sendHeartbeat(), seconds * 1000);
    this.server.once('listening', () =>
      this.logger.log(`WebSocket gateway on ws://${this.config.get('MC_HOST', { infer: true })}:${this.port}`),
    );
  }

  onModuleDestroy(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** The port it listens on (MC_WS_PORT, or the one picked when that is 0). */
  get port(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  stats() {
    return {
      clients: this.clients.size,
      messages_sent: this.sender.sent,
      slow_consumer_drops: this.sender.drops,
      seq: this.seq,
      server_id: this.serverId,
      replay_messages: this.replay.size,
      replay_bytes: this.replay.bytes,
    };
  }

  handleConnection(client: WebSocket): void {
    const state: ClientState = {
      subscriptions: new Set(['*']),
      recent: [],
      liveFrom: this.seq,
      held: [],
      heldBytes: 0,
    };
    this.clients.set(client, state);
    if (!this.welcomed) {
      // Nothing was kept before: replay starts at this welcome, so a resume from further back gets resync_required.
      this.welcomed = true;
      this.replay.restartAt(this.seq);
    }
    client.on('message', () => this.limitRate(client, state));
    setTimeout(() => this.release(client), HOLD_MS).unref();
    this.sender.send(client, JSON.stringify({ type: 'welcome', server_id: this.serverId, seq: this.seq, protocol: 1 }));
    this.sender.send(client, this.envelope(build.agentPosition(this.workspace.getOffice())));
    for (const agent of this.fleet.listAgents()) this.sender.send(client, this.envelope(build.agentStatus(agent)));
  }

  handleDisconnect(client: WebSocket): void {
    this.clients.delete(client);
  }

  @SubscribeMessage('ping')
  ping(@ConnectedSocket() client: WebSocket): Reply {
    this.release(client);
    return { type: 'pong', timestamp: new Date().toISOString() };
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() client: WebSocket, @MessageBody() message: Reply): Reply {
    if (!isChannel(message.channel)) return channelError(message.channel);
    this.clients.get(client)?.subscriptions.add(message.channel);
    return { type: 'subscribed', channel: message.channel };
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() client: WebSocket, @MessageBody() message: Reply): Reply {
    if (!isChannel(message.channel)) return channelError(message.channel);
    this.clients.get(client)?.subscriptions.delete(message.channel);
    return { type: 'unsubscribed', channel: message.channel };
  }

  @SubscribeMessage('request_agent_status')
  requestAgentStatus(@ConnectedSocket() client: WebSocket, @MessageBody() message: Reply): Reply | void {
    this.release(client);
    const id = message.agent_id;
    if (typeof id !== 'string' || !AGENT_ID_PATTERN.test(id))
      return { type: 'error', message: 'agent_id must be an agent id' };
    const agent = this.fleet.getAgent(id);
    if (!agent) return { type: 'error', message: `Unknown agent "${id}"` };
    this.sender.send(client, this.envelope(build.agentStatus(agent)));
  }

  /**
   * Replays what the client missed, in order and filtered by its subscriptions, or asks it to reload.
   * Sent first thing after connecting (as the client library does), it also covers what was held
   * back since; sent later, it replays up to the connection, as everything after came live.
   */
  @SubscribeMessage('resume')
  async resume(@ConnectedSocket() client: WebSocket, @MessageBody() message: Reply): Promise<Reply> {
    const state = this.clients.get(client);
    const since = message.since;
    if (!state) return { type: 'error', message: 'not connected' };
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
      this.release(client);
      return { type: 'error', message: 'since must be a whole number: the last seq received' };
    }
    const upTo = state.held ? this.seq : state.liveFrom;
    const wanted = (m: { seq: number; channels: string[] }) => m.seq <= upTo && wants(state.subscriptions, m.channels);
    const known = message.server_id === this.serverId && since <= this.seq;
    let missed = known ? this.replay.since(since, wanted) : null;
    if (known && missed === null && this.onBus) {
      // A client that was on another instance: the bus holds what this process never kept.
      state.resuming = true;
      missed = await this.fromBus(since, upTo).finally(() => (state.resuming = false));
    }
    if (missed === null) {
      this.release(client);
      return { type: 'resync_required', server_id: this.serverId, seq: this.seq };
    }
    // Held since: what arrived while the bus was asked is sent after the replay, in order.
    const held = state.held ?? [];
    state.held = null;
    for (const m of missed) if (wanted(m)) this.sender.send(client, m.payload);
    for (const m of held)
      if (m.seq > upTo && wants(state.subscriptions, m.channels)) this.sender.send(client, m.payload);
    return { type: 'resumed', seq: this.seq };
  }

  /** Broadcasts after `since` up to `upTo` as the bus holds them, or null when it no longer holds them all. */
  private async fromBus(since: number, upTo: number): Promise<BufferedMessage[] | null> {
    const messages = await this.cluster.replay(since + 1, upTo).catch(() => null);
    return (
      messages &&
      messages.map((m) => ({
        seq: m.seq,
        channels: m.channels,
        payload: Buffer.from(sealed(m.prefix, m.seq)),
        at: Date.now(),
      }))
    );
  }

  @SubscribeMessage(INVALID_MESSAGE)
  invalid(@ConnectedSocket() client: WebSocket, @MessageBody() reason: string): Reply {
    this.release(client);
    return { type: 'error', message: reason };
  }

  /**
   * Sends to every client whose subscriptions match, and keeps the message for resuming clients; in
   * cluster mode, through the bus, which numbers the messages and brings them back to every instance
   * (once, whoever sends them, for messages of an `outbox` row).
   */
  broadcast(messages: build.Outgoing[], outbox?: number | null): void {
    // The messages of one domain event share their send time: a 500-event batch formats it once.
    const timestamp = new Date().toISOString();
    const open = messages.map((message) => ({
      channels: channelsOf(message.type, message.agentId),
      prefix: this.open(message, timestamp),
    }));
    if (this.onBus) return this.cluster.publish(open, outbox);
    // Not deliver({ ...message, seq }): a new object per message was a large part of a broadcast with no client.
    for (const message of open) this.deliver(this.seq + 1, message.channels, message.prefix);
  }

  private deliver(seq: number, channels: string[], prefix: string): void {
    this.seq = seq;
    const text = sealed(prefix, seq);
    const at = Date.now();
    // Encoded once for every client that gets it, and only when one does.
    let buffered: BufferedMessage | null = null;
    for (const [client, state] of this.clients) {
      if (!state.held && !wants(state.subscriptions, channels)) continue;
      buffered ??= { seq, channels, payload: Buffer.from(text), at };
      if (state.held) this.hold(client, state, buffered);
      else this.sender.send(client, buffered.payload);
    }
    // Before the first client, every welcome to come carries a seq at or after this one, so it could never be
    // asked for: a start-up scan would fill the ring for nothing.
    if (this.welcomed) this.replay.add(buffered ?? { seq, channels, payload: text, at });
  }

  private hold(client: WebSocket, state: ClientState, message: BufferedMessage): void {
    state.held?.push(message);
    state.heldBytes += message.payload.length;
    if (state.heldBytes > this.sender.maxBytes) this.release(client);
  }

  /** Sends what was held back for a new client and delivers live from now on. */
  private release(client: WebSocket): void {
    const state = this.clients.get(client);
    if (!state?.held || state.resuming) return;
    const held = state.held;
    state.held = null;
    for (const m of held) if (wants(state.subscriptions, m.channels)) this.sender.send(client, m.payload);
  }

  private envelope(message: build.Outgoing): string {
    return `${this.open(message)}}`;
  }

  /**
   * The envelope up to its seq. Written by hand around the data's JSON,
   * in the order JSON.stringify gave: type, timestamp, data, source, seq.
   */
  private open(message: build.Outgoing, timestamp = new Date().toISOString()): string {
    return `{"type":${JSON.stringify(message.type)},"timestamp":"${timestamp}","data":${build.dataJson(message.data)},"source":"${SOURCE}"`;
  }

  private sendHeartbeat(): void {
    const text = JSON.stringify({
      type: 'heartbeat',
      timestamp: new Date().toISOString(),
      data: { clients: this.clients.size },
      source: SOURCE,
    });
    for (const client of this.clients.keys()) this.sender.send(client, text);
  }

  private limitRate(client: WebSocket, state: ClientState): void {
    const now = Date.now();
    state.recent.push(now);
    while (state.recent.length && now - state.recent[0] >= 1000) state.recent.shift();
    if (state.recent.length > MAX_MESSAGES_PER_SECOND && client.readyState === WebSocket.OPEN) {
      client.close(1008, `more than ${MAX_MESSAGES_PER_SECOND} messages per second`);
    }
  }
}

/** A broadcast envelope closed with its seq. */
const sealed = (prefix: string, seq: number) => `${prefix},"seq":${seq}}`;

/**
 * Names what came without writing it out whole: a channel may be anything a frame holds, up to 64 KiB
 * of arrays nested thousands deep, which JSON.stringify cannot write (it throws, and the client would get no answer).
 */
function channelError(channel: unknown): Reply {
  const given =
    typeof channel === 'string'
      ? JSON.stringify(channel.slice(0, 64))
      : channel === null || channel === undefined
        ? String(channel)
        : `(${Array.isArray(channel) ? 'an array' : `a ${typeof channel}`})`;
  return {
    type: 'error',
    message: `Unknown channel ${given}; expected ${['*', ...new Set(Object.values(CHANNEL_OF))].join(', ')} or agent:<id>`,
  };
}
