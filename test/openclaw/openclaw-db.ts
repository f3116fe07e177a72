import { decompress } from 'fzstd';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';

/**
 * The test's own reading of OpenClaw's per-agent databases (`agents/<id>/agent/openclaw-agent.sqlite`),
 * always opened READ-ONLY: what the figures Mission Control shows must add up to. Agent schema 23
 * keeps each transcript event as `event_json` text or as zstd-compressed `event_zstd`.
 */
export interface UsageSum {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

export interface TranscriptSummary extends UsageSum {
  agent_id: string;
  session_id: string;
  /** Transcript events, decoded, in seq order. */
  events: { seq: number; text: string; event: any }[];
  /** User messages: one per turn the CLI sent. */
  runs: number;
  /** Assistant messages that ended with stopReason "error". */
  failed_runs: number;
  assistant_messages: number;
  /** toolCall blocks in assistant messages, and per tool name. */
  tool_calls: number;
  tools: Record<string, number>;
  /** The run ids named by the transcript (custom events carry them), in order. */
  run_ids: string[];
  model: string | null;
  provider: string | null;
  stop_reasons: string[];
}

export interface SessionNode {
  session_key: string;
  session_id: string;
  status: string | null;
  entry: any;
}

export interface AgentDb {
  agent_id: string;
  file: string;
  schema_version: number | null;
  app_version: string | null;
  nodes: SessionNode[];
  transcripts: Map<string, TranscriptSummary>;
}

export function emptyUsage(): UsageSum {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
  };
}

export function addUsage(into: UsageSum, add: UsageSum): UsageSum {
  into.input_tokens += add.input_tokens;
  into.output_tokens += add.output_tokens;
  into.cache_read_tokens += add.cache_read_tokens;
  into.cache_write_tokens += add.cache_write_tokens;
  into.total_tokens += add.total_tokens;
  into.cost_usd += add.cost_usd;
  return into;
}

export function usageOf(x: UsageSum): UsageSum {
  return addUsage(emptyUsage(), x);
}

export function agentDbPath(stateDir: string, agentId: string): string {
  return join(stateDir, 'agents', agentId, 'agent', 'openclaw-agent.sqlite');
}

export function agentIds(stateDir: string): string[] {
  const dir = join(stateDir, 'agents');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((id) => existsSync(agentDbPath(stateDir, id)));
}

function all(db: sqlite3.Database, sql: string): Promise<any[]> {
  return new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows))));
}

export function openReadOnly(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(db)));
  });
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

export function decodeEvent(row: { event_json: string | null; event_zstd: Buffer | null }): string {
  if (row.event_json !== null && row.event_json !== undefined) return row.event_json;
  return Buffer.from(decompress(new Uint8Array(row.event_zstd as Buffer))).toString('utf8');
}

export async function readAgentDb(file: string, agentId: string): Promise<AgentDb> {
  const db = await openReadOnly(file);
  try {
    const meta = await all(db, `SELECT schema_version, app_version FROM schema_meta WHERE meta_key = 'primary'`).catch(
      () => [],
    );
    const nodes = (
      await all(
        db,
        'SELECT session_key, current_session_id, status, entry_json FROM session_nodes ORDER BY session_key',
      )
    ).map((r): SessionNode => ({
      session_key: r.session_key,
      session_id: r.current_session_id,
      status: r.status ?? null,
      entry: safeJson(r.entry_json),
    }));
    const rows = await all(
      db,
      'SELECT session_id, seq, event_json, event_zstd FROM transcript_events ORDER BY session_id, seq',
    );
    const transcripts = new Map<string, TranscriptSummary>();
    for (const row of rows) {
      let summary = transcripts.get(row.session_id);
      if (!summary) transcripts.set(row.session_id, (summary = newSummary(agentId, row.session_id)));
      const text = decodeEvent(row);
      const event = safeJson(text);
      summary.events.push({ seq: row.seq, text, event });
      account(summary, event);
    }
    return {
      agent_id: agentId,
      file,
      schema_version: meta[0]?.schema_version ?? null,
      app_version: meta[0]?.app_version ?? null,
      nodes,
      transcripts,
    };
  } finally {
    await close(db);
  }
}

/** Every agent database under a state dir. */
export async function readStateDir(stateDir: string): Promise<AgentDb[]> {
  return Promise.all(agentIds(stateDir).map((id) => readAgentDb(agentDbPath(stateDir, id), id)));
}

/** Sums over a transcript given as JSONL lines (the legacy layout). */
export function summarizeLines(agentId: string, sessionId: string, lines: string[]): TranscriptSummary {
  const summary = newSummary(agentId, sessionId);
  lines.forEach((text, seq) => {
    const event = safeJson(text);
    summary.events.push({ seq, text, event });
    account(summary, event);
  });
  return summary;
}

function newSummary(agentId: string, sessionId: string): TranscriptSummary {
  return {
    agent_id: agentId,
    session_id: sessionId,
    events: [],
    runs: 0,
    failed_runs: 0,
    assistant_messages: 0,
    tool_calls: 0,
    tools: {},
    run_ids: [],
    model: null,
    provider: null,
    stop_reasons: [],
    ...emptyUsage(),
  };
}

function account(summary: TranscriptSummary, event: any): void {
  if (!event || typeof event !== 'object') return;
  const runId = event.data?.runId;
  if (typeof runId === 'string' && !summary.run_ids.includes(runId)) summary.run_ids.push(runId);
  if (event.type === 'model_change') {
    summary.model = event.modelId ?? summary.model;
    summary.provider = event.provider ?? summary.provider;
  }
  if (event.type !== 'message' || !event.message) return;
  const message = event.message;
  if (message.role === 'user') summary.runs++;
  if (message.role !== 'assistant') return;
  summary.assistant_messages++;
  if (typeof message.model === 'string') summary.model = message.model;
  if (typeof message.provider === 'string') summary.provider = message.provider;
  if (message.stopReason) summary.stop_reasons.push(message.stopReason);
  if (message.stopReason === 'error') summary.failed_runs++;
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (block?.type === 'toolCall') {
      summary.tool_calls++;
      summary.tools[block.name] = (summary.tools[block.name] ?? 0) + 1;
    }
  }
  const usage = message.usage;
  if (!usage) return;
  summary.input_tokens += num(usage.input);
  summary.output_tokens += num(usage.output);
  summary.cache_read_tokens += num(usage.cacheRead);
  summary.cache_write_tokens += num(usage.cacheWrite);
  summary.total_tokens += num(usage.totalTokens);
  summary.cost_usd += num(usage.cost?.total);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
