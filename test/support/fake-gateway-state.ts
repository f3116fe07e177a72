import { randomUUID } from 'node:crypto';
import {
  ErrorCodes,
  ErrorShape,
  RequestFrame,
  formatValidationErrors,
  validateChatSendParams,
  validateExecApprovalResolveParams,
  validateSessionsAbortParams,
  validateSessionsSendParams,
} from '@openclaw/gateway-protocol';
import type { FakeConnection, FakeGateway } from './fake-gateway';

/** A method's answer: a payload (or a promise of one), or a thrown FakeGatewayError. */
export type Handler = (
  params: any,
  ctx: { conn: FakeConnection; gateway: FakeGateway; frame: RequestFrame },
) => unknown | Promise<unknown>;

/** An error answer in the gateway's shape (`{code, message, details?, retryable?, retryAfterMs?}`). */
export class FakeGatewayError extends Error {
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
}

/** What Mission Control calls, and the events it listens to (a real 2026.9.6 gateway lists 466 and 64). */
export const DEFAULT_METHODS = [
  'health',
  'usage.status',
  'sessions.list',
  'sessions.subscribe',
  'sessions.describe',
  'sessions.messages.subscribe',
  'sessions.abort',
  'sessions.send',
  'chat.send',
  'exec.approval.list',
  'exec.approval.get',
  'exec.approval.resolve',
];
export const DEFAULT_EVENTS = [
  'connect.challenge',
  'agent',
  'chat',
  'session.message',
  'session.tool',
  'sessions.changed',
  'presence',
  'tick',
  'shutdown',
  'health',
  'exec.approval.requested',
  'exec.approval.resolved',
];

export interface FakeSession {
  key: string;
  agentId: string;
  sessionId: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  activeRunId?: string;
  /** The connection that started the active run: it may abort it without operator.admin. */
  runOwner?: string;
  abortedLastRun: boolean;
  lastRunId?: string;
  /** Messages sent into it (chat.send, sessions.send), with their queue mode. */
  messages: { text: string; queueMode?: string; runId: string }[];
}

export interface FakeApproval {
  id: string;
  request: Record<string, unknown>;
  createdAtMs: number;
  expiresAtMs: number;
  runOwner?: string;
  resolved?: { decision: string; resolvedBy: string; ts: number };
}

const invalid = (message: string, details?: unknown): FakeGatewayError =>
  new FakeGatewayError({ code: ErrorCodes.INVALID_REQUEST, message, ...(details ? { details } : {}) });

/** Sessions, runs and exec approvals, answered and announced as the gateway does. */
export class FakeGatewayState {
  readonly sessions = new Map<string, FakeSession>();
  readonly approvals = new Map<string, FakeApproval>();
  private readonly idempotent = new Map<string, unknown>();
  readonly handlers: Record<string, Handler>;

  constructor(private readonly gateway: FakeGateway) {
    this.handlers = {
      health: () => ({ ok: true, ts: Date.now(), durationMs: 0, agents: [], channels: {} }),
      'usage.status': () => ({ updatedAt: Date.now(), providers: [] }),
      'sessions.list': () => this.list(),
      'sessions.subscribe': (params) =>
        Object.keys(params).length ? { subscribed: true, list: this.list() } : { subscribed: true },
      'sessions.describe': (params) => ({ session: this.sessions.has(params.key) ? this.row(params.key) : null }),
      'sessions.messages.subscribe': (params) => ({ subscribed: true, key: params.key }),
      'sessions.abort': (params, { conn }) => this.abort(params, conn),
      'chat.send': (params, { conn }) => this.send('chat.send', params, conn),
      'sessions.send': (params, { conn }) => this.send('sessions.send', params, conn),
      'exec.approval.list': (_, { conn }) =>
        [...this.approvals.values()].filter((a) => !a.resolved && this.mayReview(conn, a)).map((a) => this.view(a)),
      'exec.approval.get': (params) => {
        const approval = this.approvals.get(params.id);
        if (!approval) throw invalid('unknown or expired approval id', { reason: 'APPROVAL_NOT_FOUND' });
        return this.view(approval);
      },
      'exec.approval.resolve': (params, { conn }) => this.resolve(params, conn),
    };
  }

  addSession(key: string, fields: Partial<FakeSession> = {}): FakeSession {
    const now = Date.now();
    const session: FakeSession = {
      key,
      agentId: /^agent:([^:]+):/.exec(key)?.[1] ?? 'main',
      sessionId: randomUUID(),
      status: 'done',
      createdAt: now,
      updatedAt: now,
      abortedLastRun: false,
      messages: [],
      ...fields,
    };
    this.sessions.set(key, session);
    return session;
  }

  /** Starts a run (as a CLI, channel or cron run would, with no owner unless given) and announces it. */
  startRun(key: string, options: { runId?: string; owner?: string } = {}): string {
    const session = this.sessions.get(key) ?? this.addSession(key);
    const runId = options.runId ?? randomUUID();
    Object.assign(session, { activeRunId: runId, runOwner: options.owner, status: 'running', updatedAt: Date.now() });
    this.changed(key, { reason: 'agent.run.started' });
    this.lifecycle(session, runId, { phase: 'start', startedAt: Date.now() });
    return runId;
  }

  /** Ends the active run: done, or aborted as `sessions.abort` leaves it (status killed). */
  endRun(key: string, options: { aborted?: boolean } = {}): void {
    const session = this.sessions.get(key);
    const runId = session?.activeRunId;
    if (!session || !runId) return;
    Object.assign(session, {
      activeRunId: undefined,
      runOwner: undefined,
      lastRunId: runId,
      status: options.aborted ? 'killed' : 'done',
      abortedLastRun: !!options.aborted,
      updatedAt: Date.now(),
    });
    if (options.aborted) this.changed(key, { reason: 'abort' });
    const stopReason = options.aborted ? 'rpc' : 'stop';
    this.lifecycle(session, runId, { phase: 'end', aborted: !!options.aborted, stopReason, endedAt: Date.now() });
    const state = options.aborted ? 'aborted' : 'final';
    this.gateway.emit('chat', { runId, sessionKey: key, agentId: session.agentId, state, stopReason });
    this.changed(key, { phase: 'end', runId });
  }

  /** An exec request waiting for a decision; sent to reviewers that may see it (admins, or the run's owner). */
  requestApproval(input: { sessionKey: string; command: string; allowAlways?: boolean }): FakeApproval {
    const session = this.sessions.get(input.sessionKey) ?? this.addSession(input.sessionKey);
    const now = Date.now();
    const allowAlways = input.allowAlways ?? false;
    const approval: FakeApproval = {
      id: randomUUID(),
      createdAtMs: now,
      expiresAtMs: now + 30 * 60_000,
      runOwner: session.runOwner,
      request: {
        command: input.command,
        cwd: `/home/openclaw/workspace-${session.agentId}`,
        host: 'gateway',
        security: 'allowlist',
        ask: 'on-miss',
        agentId: session.agentId,
        sessionKey: session.key,
        runId: session.activeRunId ?? null,
        toolCallId: `call_${now}`,
        resolvedPath: null,
        allowedDecisions: allowAlways ? ['allow-once', 'allow-always', 'deny'] : ['allow-once', 'deny'],
        unavailableDecisions: allowAlways ? [] : ['allow-always'],
      },
    };
    this.approvals.set(approval.id, approval);
    this.gateway.emit('exec.approval.requested', { approvalKind: 'exec', ...this.view(approval) }, (conn) =>
      this.mayReview(conn, approval),
    );
    return approval;
  }

  /** The session row as sessions.list and sessions.changed carry it (the fields Mission Control reads). */
  row(key: string): Record<string, unknown> {
    const s = this.sessions.get(key)!;
    return {
      key: s.key,
      agentId: s.agentId,
      sessionId: s.sessionId,
      kind: 'direct',
      status: s.status,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      hasActiveRun: !!s.activeRunId,
      activeRunIds: s.activeRunId ? [s.activeRunId] : [],
      abortedLastRun: s.abortedLastRun,
      lastRunId: s.lastRunId ?? null,
      modelProvider: 'fake',
      model: 'm1',
      snapshotAt: Date.now(),
    };
  }

  private list() {
    const sessions = [...this.sessions.keys()].map((key) => this.row(key));
    return {
      ts: Date.now(),
      path: '(multiple)',
      count: sessions.length,
      totalCount: sessions.length,
      limitApplied: 100,
      nextOffset: null,
      hasMore: false,
      sessions,
    };
  }

  /** Unknown keys and idle sessions are not errors, as live: `{ok: true, status: "no-active-run"}`. */
  private abort(params: any, conn: FakeConnection) {
    if (!validateSessionsAbortParams(params as unknown))
      throw invalid(`invalid sessions.abort params: ${formatValidationErrors(validateSessionsAbortParams.errors)}`);
    if (!params.key) throw invalid('key required');
    const session = this.sessions.get(params.key);
    const runId = session?.activeRunId;
    if (!session || !runId || (params.runId && params.runId !== runId))
      return { ok: true, abortedRunId: null, status: 'no-active-run' };
    // Scopes alone are not enough: operator.admin, or the connection that started the run.
    if (!conn.scopes.includes('operator.admin') && session.runOwner !== conn.id) throw invalid('unauthorized');
    this.endRun(params.key, { aborted: true });
    return { ok: true, abortedRunId: runId, status: 'aborted' };
  }

  private send(method: 'chat.send' | 'sessions.send', params: any, conn: FakeConnection) {
    const validate = method === 'chat.send' ? validateChatSendParams : validateSessionsSendParams;
    if (!validate(params as unknown))
      throw invalid(`invalid ${method} params: ${formatValidationErrors(validate.errors)}`);
    if (params.idempotencyKey && this.idempotent.has(params.idempotencyKey))
      return this.idempotent.get(params.idempotencyKey);
    const key: string = method === 'chat.send' ? params.sessionKey : params.key;
    if (method === 'sessions.send' && !this.sessions.has(key)) throw invalid(`session not found: ${key}`);
    const session = this.sessions.get(key) ?? this.addSession(key);
    const interrupt = params.queueMode === 'interrupt' && !!session.activeRunId;
    if (interrupt) this.endRun(key, { aborted: true });
    const runId = randomUUID();
    session.messages.push({ text: params.message, queueMode: params.queueMode, runId });
    // A steer joins the active run; anything else starts one owned by this connection.
    if (!session.activeRunId) this.startRun(key, { runId, owner: conn.id });
    const answer = { runId, status: 'started', ...(interrupt ? { interruptedActiveRun: true } : {}) };
    if (params.idempotencyKey) this.idempotent.set(params.idempotencyKey, answer);
    return answer;
  }

  private resolve(params: any, conn: FakeConnection) {
    if (!validateExecApprovalResolveParams(params as unknown))
      throw invalid(
        `invalid exec.approval.resolve params: ${formatValidationErrors(validateExecApprovalResolveParams.errors)}`,
      );
    const approval = this.approvals.get(params.id);
    if (!approval || !this.mayReview(conn, approval))
      throw invalid('unknown or expired approval id', {
        reason: 'APPROVAL_NOT_FOUND',
        remediation: 'Re-request the action; pending approvals are cleared after expiry or restart.',
      });
    if (approval.resolved) return { ok: true }; // the first answer wins; later ones are acknowledged
    const request = approval.request as { allowedDecisions: string[]; unavailableDecisions: string[] };
    if (!['allow-once', 'allow-always', 'deny'].includes(params.decision)) throw invalid('invalid decision');
    if (request.unavailableDecisions.includes(params.decision))
      throw invalid(`${params.decision} is unavailable for this command`, {
        reason: 'APPROVAL_ALLOW_ALWAYS_UNAVAILABLE',
      });
    approval.resolved = { decision: params.decision, resolvedBy: conn.params?.client.id ?? 'unknown', ts: Date.now() };
    this.gateway.emit('exec.approval.resolved', { id: approval.id, ...approval.resolved, request: approval.request });
    return { ok: true };
  }

  private view(approval: FakeApproval) {
    const { id, request, createdAtMs, expiresAtMs } = approval;
    return { id, request, createdAtMs, expiresAtMs };
  }

  /** Live, only a client that declared `approvals` (or `exec-approvals`) is asked, and only if it may see the run. */
  private mayReview(conn: FakeConnection, approval: FakeApproval): boolean {
    const reviewer = conn.caps.includes('approvals') || conn.caps.includes('exec-approvals');
    const allowed = conn.scopes.includes('operator.admin') || approval.runOwner === conn.id;
    return (
      reviewer && allowed && (conn.scopes.includes('operator.approvals') || conn.scopes.includes('operator.admin'))
    );
  }

  private changed(key: string, extra: Record<string, unknown>): void {
    const row = this.row(key);
    this.gateway.emit('sessions.changed', {
      sessionKey: key,
      agentId: row.agentId,
      ts: Date.now(),
      ...extra,
      session: row,
      ...row,
    });
  }

  private lifecycle(session: FakeSession, runId: string, data: Record<string, unknown>): void {
    this.gateway.emit('agent', {
      runId,
      sessionKey: session.key,
      sessionId: session.sessionId,
      agentId: session.agentId,
      stream: 'lifecycle',
      data,
      ts: Date.now(),
    });
  }
}
