import { Logger, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
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
import {
  AlertChangedEvent,
  AgentRemovedEvent,
  AgentUpdatedEvent,
  BackupCompletedEvent,
  BackupDeletedEvent,
  BackupFailedEvent,
  BackupRestoredEvent,
  DomainEvent,
  EventsLoggedEvent,
  MetricsCollectedEvent,
  OfficeUpdatedEvent,
  SessionStuckEvent,
  SessionUpdatedEvent,
  TasksUpdatedEvent,
} from '../domain-events';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_ID_PATTERN } from '../workspace/workspace.types';
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
}

type Reply = Record<string, unknown>;

/**
 * The only code that knows sockets: it turns domain events into broadcast messages, keeps the last
 * ones for clients that resume, and answers what clients ask. Every broadcast message gets the next
 * `seq` and is serialised once, whatever the number of clients.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() private readonly server!: WsServer;
  readonly serverId = randomUUID();
  private seq = 0;
  private readonly clients = new Map<WebSocket, ClientState>();
  private readonly replay: ReplayBuffer;
  private readonly sender: ClientSender;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly config: AppConfig,
  ) {
    this.replay = new ReplayBuffer(config.get('MC_WS_REPLAY_MAX_MB', { infer: true }) * 1024 * 1024);
    this.sender = new ClientSender(config.get('MC_WS_CLIENT_MAX_MB', { infer: true }) * 1024 * 1024);
  }

  afterInit(): void {
    const seconds = this.config.get('MC_WS_HEARTBEAT', { infer: true });
    this.heartbeat = setInterval(() => this.sendHeartbeat(), seconds * 1000);
    this.server.once('listening', () => this.logger.log(`WebSocket gateway on ws://${this.config.get('MC_HOST', { infer: true })}:${this.port}`));
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
    return { clients: this.clients.size, messages_sent: this.sender.sent, slow_consumer_drops: this.sender.drops, seq: this.seq, server_id: this.serverId };
  }

  handleConnection(client: WebSocket): void {
    const state: ClientState = { subscriptions: new Set(['*']), recent: [], liveFrom: this.seq, held: [], heldBytes: 0 };
    this.clients.set(client, state);
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
    if (typeof id !== 'string' || !AGENT_ID_PATTERN.test(id)) return { type: 'error', message: 'agent_id must be an agent id' };
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
  resume(@ConnectedSocket() client: WebSocket, @MessageBody() message: Reply): Reply {
    const state = this.clients.get(client);
    const since = message.since;
    if (!state) return { type: 'error', message: 'not connected' };
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
      this.release(client);
      return { type: 'error', message: 'since must be a whole number: the last seq received' };
    }
    const upTo = state.held ? this.seq : state.liveFrom;
    const wanted = (m: { seq: number; channels: string[] }) => m.seq <= upTo && wants(state.subscriptions, m.channels);
    const missed = message.server_id === this.serverId && since <= this.seq ? this.replay.since(since, wanted) : null;
    if (missed === null) {
      this.release(client);
      return { type: 'resync_required', server_id: this.serverId, seq: this.seq };
    }
    state.held = null;
    for (const m of missed) this.sender.send(client, m.payload);
    return { type: 'resumed', seq: this.seq };
  }

  @SubscribeMessage(INVALID_MESSAGE)
  invalid(@ConnectedSocket() client: WebSocket, @MessageBody() reason: string): Reply {
    this.release(client);
    return { type: 'error', message: reason };
  }

  @OnEvent(DomainEvent.AgentUpdated)
  onAgentUpdated(event: AgentUpdatedEvent): void {
    this.broadcast(build.fromAgentUpdated(event));
  }

  @OnEvent(DomainEvent.AgentRemoved)
  onAgentRemoved(event: AgentRemovedEvent): void {
    this.broadcast(build.fromAgentRemoved(event));
  }

  @OnEvent(DomainEvent.OfficeUpdated)
  onOfficeUpdated({ office }: OfficeUpdatedEvent): void {
    this.broadcast([build.agentPosition(office)]);
  }

  @OnEvent(DomainEvent.EventsLogged)
  onEventsLogged({ events }: EventsLoggedEvent): void {
    this.broadcast(events.flatMap(build.fromLoggedEvent));
  }

  @OnEvent(DomainEvent.TasksUpdated)
  onTasksUpdated(event: TasksUpdatedEvent): void {
    this.broadcast(build.fromTasksUpdated(event));
  }

  @OnEvent(DomainEvent.MetricsCollected)
  onMetricsCollected(event: MetricsCollectedEvent): void {
    this.broadcast(build.fromMetricsCollected(event));
  }

  @OnEvent(DomainEvent.SessionUpdated)
  onSessionUpdated(event: SessionUpdatedEvent): void {
    this.broadcast(build.fromSessionUpdated(event));
  }

  @OnEvent(DomainEvent.SessionStuck)
  onSessionStuck(event: SessionStuckEvent): void {
    this.broadcast(build.fromSessionStuck(event));
  }

  @OnEvent(DomainEvent.BackupCompleted)
  onBackupCompleted(event: BackupCompletedEvent): void {
    this.broadcast(build.fromBackupCompleted(event));
  }

  @OnEvent(DomainEvent.BackupFailed)
  onBackupFailed(event: BackupFailedEvent): void {
    this.broadcast(build.fromBackupFailed(event));
  }

  @OnEvent(DomainEvent.BackupDeleted)
  onBackupDeleted(event: BackupDeletedEvent): void {
    this.broadcast(build.fromBackupDeleted(event));
  }

  @OnEvent(DomainEvent.BackupRestored)
  onBackupRestored(event: BackupRestoredEvent): void {
    this.broadcast(build.fromBackupRestored(event));
  }

  @OnEvent(DomainEvent.AlertChanged)
  onAlertChanged(event: AlertChangedEvent): void {
    this.broadcast(build.fromAlertChanged(event));
  }

  /** Sends to every client whose subscriptions match, and keeps the message for resuming clients. */
  broadcast(messages: build.Outgoing[]): void {
    // The messages of one domain event share their send time: a 500-event batch formats it once.
    const timestamp = new Date().toISOString();
    for (const message of messages) {
      const seq = ++this.seq;
      const payload = Buffer.from(this.envelope(message, seq, timestamp));
      const buffered = { seq, channels: channelsOf(message.type, message.agentId), payload, at: Date.now() };
      this.replay.add(buffered);
      for (const [client, state] of this.clients) {
        if (state.held) this.hold(client, state, buffered);
        else if (wants(state.subscriptions, buffered.channels)) this.sender.send(client, payload);
      }
    }
  }

  private hold(client: WebSocket, state: ClientState, message: BufferedMessage): void {
    state.held?.push(message);
    state.heldBytes += message.payload.length;
    if (state.heldBytes > this.sender.maxBytes) this.release(client);
  }

  /** Sends what was held back for a new client and delivers live from now on. */
  private release(client: WebSocket): void {
    const state = this.clients.get(client);
    if (!state?.held) return;
    const held = state.held;
    state.held = null;
    for (const m of held) if (wants(state.subscriptions, m.channels)) this.sender.send(client, m.payload);
  }

  private envelope(message: build.Outgoing, seq?: number, timestamp = new Date().toISOString()): string {
    // Written by hand around the data's JSON, in the order JSON.stringify gave: type, timestamp, data, source, seq.
    return `{"type":${JSON.stringify(message.type)},"timestamp":"${timestamp}","data":${build.dataJson(message.data)},"source":"${SOURCE}"${seq ? `,"seq":${seq}` : ''}}`;
  }

  private sendHeartbeat(): void {
    const text = JSON.stringify({ type: 'heartbeat', timestamp: new Date().toISOString(), data: { clients: this.clients.size }, source: SOURCE });
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

/**
 * Names what came without writing it out whole: a channel may be anything a frame holds, up to 64 KiB
 * of arrays nested thousands deep, which JSON.stringify cannot write (it throws, and the client would get no answer).
 */
function channelError(channel: unknown): Reply {
  const given = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 64)) : channel === null || channel === undefined ? String(channel) : `(${Array.isArray(channel) ? 'an array' : `a ${typeof channel}`})`;
  return { type: 'error', message: `Unknown channel ${given}; expected ${['*', ...new Set(Object.values(CHANNEL_OF))].join(', ')} or agent:<id>` };
}
