import { Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { CursorKey, decodeCursor, pageOf } from '../common/cursor';
import {
  SessionDetailDto,
  SessionListDto,
  RunDto,
  ToolCallsDto,
  TranscriptDto,
  TranscriptMessageDto,
  UsageDto,
  UsageRowDto,
} from './dto/session.dto';
import { SessionListQuery, TranscriptQuery, UsageQuery } from './dto/session-query.dto';
import { OpenClawService } from './openclaw.service';
import { SessionStore } from './session-store';
import { SessionView } from '../contracts/sessions';
import { endsRun, isFailedStop, isoOrNull as iso, parseTranscriptLine, runOf } from './transcript-line';
import { addUsage, emptyUsage, roundUsd as round, Usage } from '../contracts/usage';

const TEXT_LIMIT = 4096;
const MAX_RUNS = 200;
/** A session detail reads at most this many transcript lines. */
const DETAIL_LINES = 50_000;

export class SessionNotFoundException extends NotFoundException {
  constructor(key: string) {
    super({ message: 'Session not found', key });
  }
}

/** The API's questions about OpenClaw sessions: lists, one session in detail, its transcript, usage. */
@Injectable()
export class SessionsService {
  constructor(private readonly openclaw: OpenClawService) {}

  list(query: SessionListQuery, now = Date.now()): SessionListDto {
    const cursor = query.cursor ? decodeCursor(query.cursor, 'text') : null;
    const after = cursor ? { at: Date.parse(cursor.timestamp), key: cursor.id } : null;
    const sessions = this.openclaw
      .listSessions()
      .filter((s) => !query.agent_id || s.agent_id === query.agent_id)
      .filter((s) => !query.status || s.status === query.status)
      .filter(
        (s) =>
          !query.active_minutes ||
          (s.last_activity_at !== null && now - Date.parse(s.last_activity_at) <= query.active_minutes * 60_000),
      )
      .sort(newestFirst)
      .filter((s) => !after || newestFirst(s, after) > 0);
    const { items, next_cursor } = pageOf(sessions, query.limit, keyOf);
    return { sessions: items, next_cursor };
  }

  async get(key: string): Promise<SessionDetailDto> {
    const session = this.find(key);
    const runs: RunDto[] = [];
    const tools = new Map<string, { count: number; failed: number }>();
    let pendingStart: number | null = null;
    const ids = this.openclaw.sessionIds(session.agent_id, key);
    const lines = await this.read(session.agent_id, (store) =>
      Promise.all(ids.map(async (id) => ({ id, lines: await store.readLines(id, { limit: DETAIL_LINES }) }))),
    );
    for (const { id: sessionId, lines: read } of lines) {
      for (const { position, line } of read) {
        const m = parseTranscriptLine(line, this.openclaw.prices);
        if (!m) continue;
        if (m.role === 'user') pendingStart = m.at;
        if (m.role !== 'assistant' && m.role !== 'toolResult') continue;
        let run = runs.at(-1);
        const runId = runOf(m, sessionId, position, pendingStart !== null, run?.run_id ?? null);
        if (!run || run.run_id !== runId) {
          run = {
            run_id: runId,
            status: 'running',
            stop_reason: null,
            started_at: iso(pendingStart ?? m.at),
            ended_at: null,
            tool_calls: 0,
            error: null,
            ...emptyUsage(),
          };
          runs.push(run);
        }
        pendingStart = null;
        if (m.role === 'toolResult') {
          run.tool_calls++;
          const tool = tools.get(m.toolName ?? 'unknown') ?? { count: 0, failed: 0 };
          tools.set(m.toolName ?? 'unknown', { count: tool.count + 1, failed: tool.failed + (m.isError ? 1 : 0) });
          continue;
        }
        if (m.usage) addUsage(run, m.usage);
        if (endsRun(m))
          Object.assign(run, {
            status: isFailedStop(m.stopReason) ? 'failed' : 'ok',
            stop_reason: m.stopReason,
            ended_at: iso(m.at),
            error: m.error,
          });
      }
    }
    const toolCalls: ToolCallsDto = {
      total: [...tools.values()].reduce((n, t) => n + t.count, 0),
      failed: [...tools.values()].reduce((n, t) => n + t.failed, 0),
      top: [...tools]
        .map(([tool, t]) => ({ tool, ...t }))
        .sort((a, b) => b.count - a.count || a.tool.localeCompare(b.tool))
        .slice(0, 10),
    };
    const children = this.openclaw
      .listSessions()
      .filter((s) => s.parent_key === key || s.spawned_by === key)
      .sort(newestFirst);
    return {
      ...session,
      runs: runs.slice(-MAX_RUNS).map((r) => ({ ...r, cost_usd: round(r.cost_usd) })),
      tool_calls: toolCalls,
      children,
    };
  }

  async transcript(key: string, query: TranscriptQuery): Promise<TranscriptDto> {
    const session = this.find(key);
    const lines = await this.read(session.agent_id, (store) =>
      store.readLines(session.session_id, { before: query.before, limit: query.limit }),
    );
    const messages: TranscriptMessageDto[] = [];
    for (const { position, line } of lines) {
      const m = parseTranscriptLine(line, this.openclaw.prices);
      if (!m) continue;
      messages.push({
        seq: position,
        role: m.role,
        timestamp: iso(m.at),
        ...cut(m.text),
        model: m.model,
        stop_reason: m.stopReason,
        error: m.error,
        tool_calls: m.toolCalls,
        tool_name: m.toolName,
        is_error: m.isError,
        usage: m.usage ? { ...m.usage, cost_usd: round(m.usage.cost_usd) } : null,
      });
    }
    const first = lines[0]?.position;
    return {
      key,
      session_id: session.session_id,
      messages,
      next_before: lines.length === query.limit && first !== undefined && first > 0 ? first : null,
    };
  }

  usage(query: UsageQuery): UsageDto {
    const since = query.since?.slice(0, 10) ?? '0000-00-00';
    const until = query.until?.slice(0, 10) ?? '9999-99-99';
    const rows = new Map<string, Usage & { sessions: Set<string>; runs: number }>();
    const total = { ...emptyUsage(), sessions: new Set<string>(), runs: 0 };
    for (const tracker of this.openclaw.sessionUsage()) {
      const { agentId, key: sessionKey } = tracker.meta;
      if (query.agent_id && agentId !== query.agent_id) continue;
      for (const bucket of tracker.buckets.values()) {
        if (bucket.day < since || bucket.day > until) continue;
        const key = query.group_by === 'agent' ? agentId : query.group_by === 'model' ? bucket.model : bucket.day;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { ...emptyUsage(), sessions: new Set(), runs: 0 }));
        for (const into of [row, total]) {
          addUsage(into, bucket);
          into.sessions.add(sessionKey);
          into.runs += bucket.runs;
        }
      }
    }
    const out = (r: Usage & { sessions: Set<string>; runs: number }) => ({
      ...r,
      cost_usd: round(r.cost_usd),
      sessions: r.sessions.size,
      runs: r.runs,
    });
    const list: UsageRowDto[] = [...rows].map(([key, r]) => ({ key, ...out(r) }));
    list.sort(
      query.group_by === 'day'
        ? (a, b) => a.key.localeCompare(b.key)
        : (a, b) => b.cost_usd - a.cost_usd || a.key.localeCompare(b.key),
    );
    return { group_by: query.group_by, rows: list, total: out(total) };
  }

  /**
   * Reads an agent's transcripts from OpenClaw's files (nothing when it has no store). A store that
   * cannot be read now (moved away, locked, or not on this instance's storage) is a 503 that says why.
   */
  private async read<T>(agentId: string, reading: (store: SessionStore) => Promise<T[]>): Promise<T[]> {
    const store = this.openclaw.store(agentId);
    if (!store) return [];
    try {
      return await reading(store);
    } catch (error) {
      throw new ServiceUnavailableException({
        message: `OpenClaw's records of agent ${agentId} cannot be read now: ${(error as Error).message}`,
        agent_id: agentId,
      });
    }
  }

  private find(key: string): SessionView {
    const session = this.openclaw.getSession(key);
    if (!session) throw new SessionNotFoundException(key);
    return session;
  }
}

/** At most TEXT_LIMIT bytes of UTF-8, cut at a character boundary. */
function cut(text: string): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= TEXT_LIMIT) return { text, truncated: false };
  return { text: new TextDecoder().decode(bytes.subarray(0, TEXT_LIMIT)).replace(/\uFFFD$/, ''), truncated: true };
}

function activity(s: SessionView): number {
  return s.last_activity_at === null ? 0 : Date.parse(s.last_activity_at);
}

/** Newest activity first, then by key, so pages are stable. */
function newestFirst(
  a: SessionView | { at: number; key: string },
  b: SessionView | { at: number; key: string },
): number {
  const at = (s: SessionView | { at: number; key: string }) => ('at' in s ? s.at : activity(s));
  return at(b) - at(a) || a.key.localeCompare(b.key);
}

/** Where a page of sessions stops: the last one's activity and key. */
function keyOf(s: SessionView): CursorKey<string> {
  const at = activity(s);
  return { timestamp: new Date(Number.isFinite(at) ? at : 0).toISOString(), id: s.key };
}
