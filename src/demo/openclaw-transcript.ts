import { randomUUID } from 'node:crypto';

/** USD per million tokens, as `models.providers.<p>.models[].cost` in openclaw.json. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** A model as a transcript names it. */
export interface ModelRef {
  provider: string;
  id: string;
  /** The provider's wire protocol, which OpenClaw records on every answer. */
  api: string;
  price: ModelPrice;
}

/** The `usage` block OpenClaw writes on an assistant message: tokens and their cost at the model's price. */
export interface AnswerUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
}

export function answerUsage(tokens: TokenCounts, price: ModelPrice): AnswerUsage {
  const cacheRead = tokens.cacheRead ?? 0;
  const cacheWrite = tokens.cacheWrite ?? 0;
  // Priced per part and then added up, in this order, as OpenClaw does: totals match its floats exactly.
  const cost = {
    input: (price.input / 1e6) * tokens.input,
    output: (price.output / 1e6) * tokens.output,
    cacheRead: (price.cacheRead / 1e6) * cacheRead,
    cacheWrite: (price.cacheWrite / 1e6) * cacheWrite,
    total: 0,
  };
  cost.total = cost.input + cost.output + cost.cacheRead + cost.cacheWrite;
  return {
    input: tokens.input,
    output: tokens.output,
    cacheRead,
    cacheWrite,
    totalTokens: tokens.input + tokens.output + cacheRead + cacheWrite,
    cost,
  };
}

export const ZERO_USAGE: AnswerUsage = answerUsage(
  { input: 0, output: 0 },
  { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
);

/** A transcript line before serialisation; `id`/`parentId` chain the lines into OpenClaw's tree. */
export type TranscriptEvent = { type: string; id: string; timestamp: string } & Record<string, unknown>;

/**
 * Builds one session's transcript lines in OpenClaw's shapes (see a real run's `transcript_events`),
 * each line the child of the one before.
 */
export class TranscriptWriter {
  private lastId: string | null = null;
  private responses = 0;

  constructor(
    readonly sessionId: string,
    private readonly model: ModelRef,
  ) {}

  /**
   * The session header (`version` 4 today; 3 in the file-backed transcripts
   * of older installs) and the lines a new session starts with.
   */
  opening(at: number, cwd: string, version: number): TranscriptEvent[] {
    const header = { type: 'session', version, id: this.sessionId, timestamp: iso(at), cwd };
    const { provider, id: modelId, api } = this.model;
    return [
      header,
      this.line('model_change', at + 30, { provider, modelId }),
      this.line('thinking_level_change', at + 60, { thinkingLevel: 'off' }),
      this.line('custom', at + 90, {
        customType: 'model-snapshot',
        data: { timestamp: at + 90, provider, modelApi: api, modelId },
      }),
    ];
  }

  user(at: number, text: string): TranscriptEvent {
    return this.message(at + 40, {
      role: 'user',
      content: text,
      timestamp: at,
      __openclaw: { senderIsOwner: true },
      idempotencyKey: `${randomUUID()}:user`,
    });
  }

  answer(at: number, runId: string, usage: AnswerUsage, text: string): TranscriptEvent {
    return this.assistant(at, runId, usage, [{ type: 'text', text }], 'stop');
  }

  toolCall(
    at: number,
    runId: string,
    usage: AnswerUsage,
    callId: string,
    name: string,
    args: Record<string, unknown>,
  ): TranscriptEvent {
    return this.assistant(at, runId, usage, [{ type: 'toolCall', id: callId, name, arguments: args }], 'toolUse');
  }

  toolResult(at: number, runId: string, callId: string, name: string, text: string, isError: boolean): TranscriptEvent {
    const message = {
      role: 'toolResult',
      toolCallId: callId,
      toolName: name,
      content: [{ type: 'text', text }],
      details: {},
      isError,
      timestamp: at,
      __openclaw: { runId },
    };
    return this.message(at + 1, message);
  }

  /** How a run that failed ends: no content, zero usage, the provider's error. */
  failure(at: number, runId: string, error: string): TranscriptEvent {
    const { provider, id: model, api } = this.model;
    const message = {
      role: 'assistant',
      content: [],
      api,
      provider,
      model,
      usage: ZERO_USAGE,
      stopReason: 'error',
      timestamp: at,
      errorMessage: error,
      idempotencyKey: `${runId}:terminal-error`,
      __openclaw: { runId },
    };
    return this.message(at + 120, message);
  }

  /** Written after every run, failed ones included. */
  bootstrapContext(at: number, runId: string): TranscriptEvent {
    return this.line('custom', at, {
      customType: 'openclaw:bootstrap-context:full',
      data: { timestamp: at, runId, sessionId: this.sessionId },
    });
  }

  private assistant(
    at: number,
    runId: string,
    usage: AnswerUsage,
    content: unknown[],
    stopReason: string,
  ): TranscriptEvent {
    const { provider, id: model, api } = this.model;
    const message = {
      role: 'assistant',
      content,
      api,
      provider,
      model,
      usage,
      stopReason,
      timestamp: at,
      responseId: `chatcmpl-${++this.responses}`,
      __openclaw: { runId },
    };
    return this.message(at + 60, message);
  }

  private message(at: number, message: Record<string, unknown>): TranscriptEvent {
    const id = randomUUID();
    const event = { type: 'message', id, parentId: this.lastId, timestamp: iso(at), message };
    this.lastId = id;
    return event;
  }

  private line(type: string, at: number, fields: Record<string, unknown>): TranscriptEvent {
    const id = randomUUID();
    // OpenClaw puts the type's own fields first and the tree fields after them.
    const event = { type, ...fields, id, parentId: this.lastId, timestamp: iso(at) };
    this.lastId = id;
    return event;
  }
}

/**
 * OpenClaw's `navigation_json` for a row stored compressed: the tree and model-context facts its
 * readers need without inflating the body. The real projection is computed in SQL by OpenClaw; this
 * one has the same keys and passes the table's CHECK, but its byte counts are the whole line's.
 */
export function navigationJson(event: TranscriptEvent, bytes: number): string {
  const { type, id, parentId, timestamp } = event;
  const message = (event.message ?? {}) as Record<string, unknown>;
  const tree = {
    type,
    id,
    parentId,
    timestamp,
    ...(typeof event.customType === 'string' ? { customType: event.customType } : {}),
  };
  const runId = (message.__openclaw as { runId?: string } | undefined)?.runId;
  const entry = { ...tree, ...(message.role === 'assistant' && runId ? { assistantRunId: runId } : {}) };
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => k in message).map((k) => [k, message[k]]));
  const calls = Array.isArray(message.content)
    ? (message.content as Record<string, unknown>[])
        .filter((c) => c.type === 'toolCall')
        .map((c) => ({ type: c.type, id: c.id, name: c.name }))
    : [];
  const withMessage = (facts: Record<string, unknown>) => (type === 'message' ? { ...tree, message: facts } : tree);
  return JSON.stringify({
    version: 1,
    report: { kind: 'canonical', hasParentId: true, entry },
    navigation: withMessage(pick(['role', 'idempotencyKey', '__openclaw'])),
    reset: withMessage({ role: message.role }),
    model: withMessage({
      ...pick(['role', 'provider', 'model', 'timestamp', 'toolCallId', 'toolName', 'isError', 'stopReason']),
      content: calls,
    }),
    modelBytes: bytes,
    modelWithoutCheckpointBytes: bytes,
    withoutCustomDataBytes: bytes,
  });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
