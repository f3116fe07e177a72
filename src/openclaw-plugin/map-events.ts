import type { McEvent } from './forwarder.js';

/** The OpenClaw hooks the plugin observes; each maps to at most one Mission Control event. */
export const OBSERVED_HOOKS = [
  'model_call_started',
  'agent_end',
  'llm_output',
  'after_tool_call',
  'session_start',
  'session_end',
  'message_received',
  'message_sent',
  'subagent_spawned',
  'subagent_ended',
] as const;

export type ObservedHook = (typeof OBSERVED_HOOKS)[number];

export interface MapperOptions {
  /** Prepended to every agent id, to tell apart agents of the same name on different OpenClaw hosts. */
  agentPrefix?: string;
  /** Forward message text (cut to 4 KiB). Off by default: no conversation content leaves OpenClaw. */
  includeContent?: boolean;
}

const SOURCE = 'openclaw';
const MAX_ID_CHARS = 256;
const MAX_ERROR_CHARS = 500;
const MAX_CONTENT_BYTES = 4 * 1024;
/** Mission Control refuses an event whose data is over 16 KiB of JSON, and with it the whole batch. */
const MAX_DATA_BYTES = 16 * 1024;
/** Runs whose task_started was sent and whose agent_end has not come yet; a bound against runs that never end. */
const MAX_OPEN_RUNS = 1_000;

type Fields = Record<string, unknown>;

/**
 * Turns OpenClaw hook payloads into Mission Control events.
 * Any payload is accepted; garbage yields null or sparse data.
 */
export class EventMapper {
  private readonly startedRuns = new Set<string>();

  constructor(private readonly options: MapperOptions = {}) {}

  map(hook: ObservedHook, event: unknown, ctx: unknown): McEvent | null {
    if (!isObject(event)) return null;
    const c = isObject(ctx) ? ctx : {};
    switch (hook) {
      case 'model_call_started':
        return this.runStarted(event, c);
      case 'agent_end':
        return this.runEnded(event, c);
      case 'llm_output':
        return this.llmUsage(event, c);
      case 'after_tool_call':
        return this.toolCalled(event, c);
      case 'session_start': {
        const sessionKey = id(event.sessionKey) ?? id(c.sessionKey);
        return this.event('session_started', c.agentId, sessionKey, {
          session_key: sessionKey,
          session_id: id(event.sessionId) ?? id(c.sessionId),
          resumed_from: id(event.resumedFrom),
        });
      }
      case 'session_end': {
        const sessionKey = id(event.sessionKey) ?? id(c.sessionKey);
        return this.event('session_ended', c.agentId, sessionKey, {
          session_key: sessionKey,
          session_id: id(event.sessionId) ?? id(c.sessionId),
          reason: id(event.reason),
          message_count: count(event.messageCount),
          duration_ms: count(event.durationMs),
        });
      }
      case 'message_received':
      case 'message_sent':
        return this.message(hook, event, c);
      case 'subagent_spawned': {
        const parentKey = id(c.requesterSessionKey);
        return this.event('subagent_spawned', undefined, parentKey, {
          session_key: parentKey,
          child_agent_id: this.agentId(event.agentId, undefined),
          child_session_key: id(event.childSessionKey) ?? id(c.childSessionKey),
          run_id: id(event.runId) ?? id(c.runId),
          mode: id(event.mode),
          label: id(event.label, 128),
        });
      }
      case 'subagent_ended': {
        const parentKey = id(c.requesterSessionKey);
        return this.event('subagent_ended', undefined, parentKey, {
          session_key: parentKey,
          child_session_key: id(event.targetSessionKey) ?? id(c.childSessionKey),
          run_id: id(event.runId) ?? id(c.runId),
          outcome: id(event.outcome),
          reason: id(event.reason),
          error: text(event.error, MAX_ERROR_CHARS),
        });
      }
      default:
        return null;
    }
  }

  /** OpenClaw has no observe-only run-start hook; the first model call of a run marks its start. */
  private runStarted(event: Fields, c: Fields): McEvent | null {
    const runId = id(event.runId) ?? id(c.runId);
    if (!runId || this.startedRuns.has(runId)) return null;
    this.startedRuns.add(runId);
    if (this.startedRuns.size > MAX_OPEN_RUNS)
      this.startedRuns.delete(this.startedRuns.values().next().value as string);
    const sessionKey = id(event.sessionKey) ?? id(c.sessionKey);
    return this.event('task_started', c.agentId, sessionKey, {
      task_id: runId,
      session_key: sessionKey,
      session_id: id(event.sessionId) ?? id(c.sessionId),
      provider: id(event.provider),
      model: id(event.model),
    });
  }

  private runEnded(event: Fields, c: Fields): McEvent | null {
    const runId = id(event.runId) ?? id(c.runId);
    if (runId) this.startedRuns.delete(runId);
    // OpenClaw 2026.9.6 reports a run whose model call failed as a success: the failure is only in its
    // last assistant message (stopReason "error", with errorMessage).
    const messages = Array.isArray(event.messages) ? event.messages : [];
    const last = [...messages].reverse().find((m): m is Fields => isObject(m) && m.role === 'assistant');
    const failedAnswer = last !== undefined && (last.stopReason === 'error' || last.stopReason === 'aborted');
    const ok = event.success === true && !failedAnswer;
    const sessionKey = id(c.sessionKey);
    const data: Fields = {
      task_id: runId,
      duration_ms: count(event.durationMs),
      session_key: sessionKey,
      session_id: id(c.sessionId),
    };
    if (!ok) data.error = text(event.error ?? last?.errorMessage, MAX_ERROR_CHARS);
    return this.event(ok ? 'task_completed' : 'task_failed', c.agentId, sessionKey, data);
  }

  private llmUsage(event: Fields, c: Fields): McEvent | null {
    if (!isObject(event.usage)) return null;
    const usage = event.usage;
    const cost = isObject(usage.cost) ? usage.cost : {};
    const sessionKey = id(c.sessionKey);
    return this.event('llm_usage', c.agentId, sessionKey, {
      provider: id(event.provider) ?? id(c.modelProviderId),
      model: id(event.model) ?? id(c.modelId),
      input_tokens: count(usage.input) ?? 0,
      output_tokens: count(usage.output) ?? 0,
      cache_read_tokens: count(usage.cacheRead) ?? 0,
      cache_write_tokens: count(usage.cacheWrite) ?? 0,
      cost_usd: count(cost.total),
      session_key: sessionKey,
      session_id: id(event.sessionId) ?? id(c.sessionId),
      run_id: id(event.runId) ?? id(c.runId),
    });
  }

  /** Only the tool's name and outcome: its arguments and result stay in OpenClaw. */
  private toolCalled(event: Fields, c: Fields): McEvent | null {
    const failed = event.error !== undefined && event.error !== null && event.error !== '';
    const sessionKey = id(c.sessionKey);
    const data: Fields = {
      tool: id(event.toolName) ?? id(c.toolName),
      duration_ms: count(event.durationMs),
      ok: !failed,
      session_key: sessionKey,
      run_id: id(event.runId) ?? id(c.runId),
    };
    if (failed) data.error = text(event.error, MAX_ERROR_CHARS) ?? 'unknown error';
    return this.event('tool_called', c.agentId, sessionKey, data);
  }

  private message(hook: 'message_received' | 'message_sent', event: Fields, c: Fields): McEvent | null {
    const sessionKey = id(c.sessionKey) ?? id(event.sessionKey);
    const data: Fields = {
      session_key: sessionKey,
      channel: id(c.channelId),
      run_id: id(c.runId) ?? id(event.runId),
    };
    if (hook === 'message_sent') {
      data.success = typeof event.success === 'boolean' ? event.success : null;
      const error = text(event.error, MAX_ERROR_CHARS);
      if (error !== null) data.error = error;
    }
    if (this.options.includeContent)
      data.content = cutUtf8(typeof event.content === 'string' ? event.content : '', MAX_CONTENT_BYTES);
    return this.event(hook, undefined, sessionKey, data);
  }

  private event(type: string, agentId: unknown, sessionKey: string | null, data: Fields): McEvent {
    const full: Fields = { ...data, source: SOURCE };
    // Escaping can blow 4 KiB of odd text past Mission Control's limit; losing the text beats losing the batch.
    if ('content' in full && Buffer.byteLength(JSON.stringify(full)) > MAX_DATA_BYTES) {
      delete full.content;
      full.content_omitted = true;
    }
    return {
      event_type: type,
      agent_id: this.agentId(agentId, sessionKey),
      timestamp: new Date().toISOString(),
      data: full,
    };
  }

  /**
   * The context's agent id, else the one in a session key `agent:<id>:…`, prefixed and made a valid Mission Control id.
   */
  private agentId(agentId: unknown, sessionKey: string | null | undefined): string | null {
    const raw = id(agentId) ?? agentFromSessionKey(sessionKey);
    if (!raw) return null;
    const safe = `${this.options.agentPrefix ?? ''}${raw}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
    return /^[A-Za-z0-9_]/.test(safe) ? safe : `_${safe.slice(1)}`;
  }
}

function agentFromSessionKey(key: string | null | undefined): string | null {
  const match = key ? /^agent:([^:]+):/.exec(key) : null;
  return match ? match[1] : null;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short identifier-like string (or number), else null. */
function id(value: unknown, max = MAX_ID_CHARS): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return null;
  return value.slice(0, max);
}

function text(value: unknown, max: number): string | null {
  if (typeof value === 'string') return value === '' ? null : value.slice(0, max);
  if (value instanceof Error) return value.message.slice(0, max);
  return null;
}

/** A finite non-negative number, else null. */
function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character. */
export function cutUtf8(value: string, maxBytes: number): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
