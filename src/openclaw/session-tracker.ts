import type { SessionAggregate } from './agent-database-rows';
import { endsRun, isFailedStop, isoOrNull as iso, runOf, TranscriptMessage } from './transcript-line';
import { SessionView } from '../contracts/sessions';
import { addUsage, emptyUsage, ModelPrice, priced, roundUsd, Usage } from '../contracts/usage';

/** What OpenClaw's session records (session_nodes, session_windows or sessions.json) say about a session. */
export interface SessionMeta {
  key: string;
  agentId: string;
  sessionId: string;
  /** OpenClaw's stored status, when it keeps one. */
  status: string | null;
  provider: string | null;
  model: string | null;
  startedAt: number | null;
  updatedAt: number | null;
  endedAt: number | null;
  lastActivityAt: number | null;
  parentKey: string | null;
  spawnedBy: string | null;
  abortedLastRun: boolean;
  /** The entry's own figures, which are those of the last run only: used when no transcript can be read. */
  lastRunUsage: Usage | null;
}

/** Usage in one UTC day for one model, for GET /api/usage. */
export interface UsageBucket extends Usage {
  day: string;
  model: string;
  runs: number;
}

const DAY_MS = 86_400_000;
const days = new Map<number, string>();
/** `YYYY-MM-DD` of an epoch ms, remembered per day: it is asked for every model answer read. */
function utcDay(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  let day = days.get(n);
  if (day === undefined) days.set(n, (day = new Date(n * DAY_MS).toISOString().slice(0, 10)));
  return day;
}

/**
 * The running figures of one session, fed with its transcript one message at a time, so a poll only
 * adds what is new. It keeps aggregates only: runs and tool calls in detail are read from the
 * transcript on demand.
 */
export class SessionTracker {
  meta: SessionMeta;
  /** Highest transcript position counted, per session id (a key keeps its windows across resets). */
  readonly counted = new Map<string, number>();
  totals = emptyUsage();
  buckets = new Map<string, UsageBucket>();
  runCount = 0;
  failedRuns = 0;
  toolCalls = 0;
  toolErrors = 0;
  lastMessageAt: number | null = null;
  /** When the transcript begins, for sessions whose records do not say when they started. */
  firstMessageAt: number | null = null;
  /** The model of the last answer, for sessions whose records do not name one. */
  private lastModel: { provider: string | null; model: string | null } | null = null;
  inProgress = false;
  lastRunFailed = false;
  private currentRun: string | null = null;
  private runPending = false;
  private transcriptSeen = false;

  constructor(meta: SessionMeta) {
    this.meta = meta;
  }

  /** Counts one transcript message; `position` orders messages within one session id. */
  add(sessionId: string, position: number, message: TranscriptMessage): void {
    this.counted.set(sessionId, Math.max(position, this.counted.get(sessionId) ?? -1));
    this.transcriptSeen = true;
    if (message.at !== null) {
      this.lastMessageAt = Math.max(this.lastMessageAt ?? 0, message.at);
      this.firstMessageAt = Math.min(this.firstMessageAt ?? message.at, message.at);
    }
    if (message.role === 'user') {
      this.inProgress = true;
      this.runPending = true;
      return;
    }
    if (message.role !== 'assistant' && message.role !== 'toolResult') return;
    const runId = runOf(message, sessionId, position, this.runPending, this.currentRun);
    const bucket = this.bucket(message);
    if (runId !== this.currentRun) {
      this.currentRun = runId;
      this.runCount++;
      if (bucket) bucket.runs++;
    }
    this.runPending = false;
    if (message.role === 'toolResult') {
      this.toolCalls++;
      if (message.isError) this.toolErrors++;
      return;
    }
    this.inProgress = true;
    if (message.provider || message.model) this.lastModel = { provider: message.provider, model: message.model };
    if (message.usage) {
      addUsage(this.totals, message.usage);
      if (bucket) addUsage(bucket, message.usage);
    }
    if (endsRun(message)) {
      this.inProgress = false;
      this.lastRunFailed = isFailedStop(message.stopReason);
      if (this.lastRunFailed) this.failedRuns++;
    }
  }

  /**
   * Takes a whole session id's transcript as SQLite summed it up (a first read): the same figures and
   * the same state after its last message as `add` would leave, message by message.
   */
  load(sessionId: string, a: SessionAggregate, prices: Map<string, ModelPrice>): void {
    this.counted.set(sessionId, Math.max(a.max_seq, this.counted.get(sessionId) ?? -1));
    if (a.last_role === null) return;
    this.transcriptSeen = true;
    if (a.last_at !== null) this.lastMessageAt = Math.max(this.lastMessageAt ?? 0, a.last_at);
    if (a.first_at !== null) this.firstMessageAt = Math.min(this.firstMessageAt ?? a.first_at, a.first_at);
    this.runCount += a.runs ?? 0;
    this.failedRuns += a.failed ?? 0;
    this.toolCalls += a.tools ?? 0;
    this.toolErrors += a.tool_errors ?? 0;
    for (const [day, provider, model, input, output, cacheRead, cacheWrite, total, cost, ...rest] of JSON.parse(
      a.buckets ?? '[]',
    ) as unknown[][]) {
      const name = `${provider ?? this.meta.provider ?? 'unknown'}/${model ?? this.meta.model ?? 'unknown'}`;
      const [noCostIn, noCostOut, noCostRead, noCostWrite, runs] = rest as number[];
      const usage: Usage = {
        input_tokens: Number(input),
        output_tokens: Number(output),
        cache_read_tokens: Number(cacheRead),
        cache_write_tokens: Number(cacheWrite),
        total_tokens: Number(total),
        cost_usd:
          Number(cost) +
          priced(
            { input: noCostIn, output: noCostOut, cacheRead: noCostRead, cacheWrite: noCostWrite },
            prices.get(name),
          ),
      };
      addUsage(this.totals, usage);
      if (typeof day !== 'string') continue;
      const bucket = this.bucketFor(day, name);
      addUsage(bucket, usage);
      bucket.runs += runs;
    }
    if (a.last_provider !== null || a.last_model !== null)
      this.lastModel = { provider: a.last_provider, model: a.last_model };
    this.runPending = a.last_role === 'user';
    this.inProgress =
      this.runPending ||
      a.last_role === 'toolResult' ||
      (a.last_role === 'assistant' && (a.last_stop === null || a.last_stop === 'toolUse'));
    if (!this.runPending) this.currentRun = a.last_run;
    this.lastRunFailed = isFailedStop(a.end_stop);
  }

  /** Forgets every counted message, before a transcript that was rewritten is counted again. */
  reset(): void {
    this.counted.clear();
    this.totals = emptyUsage();
    this.buckets.clear();
    this.runCount = this.failedRuns = this.toolCalls = this.toolErrors = 0;
    this.lastMessageAt = this.firstMessageAt = null;
    this.inProgress = this.lastRunFailed = this.runPending = this.transcriptSeen = false;
    this.currentRun = null;
    this.lastModel = null;
  }

  get lastActivity(): number | null {
    const { lastActivityAt } = this.meta;
    if (lastActivityAt === null) return this.lastMessageAt ?? this.meta.updatedAt;
    return this.lastMessageAt === null ? lastActivityAt : Math.max(lastActivityAt, this.lastMessageAt);
  }

  get running(): boolean {
    return this.inProgress || this.meta.status === 'running';
  }

  /** A run in progress with no activity for `stuckMs`. */
  isStuck(now: number, stuckMs: number): boolean {
    const last = this.lastActivity;
    return this.running && last !== null && now - last > stuckMs;
  }

  status(): string {
    if (this.inProgress) return 'running';
    if (this.meta.status) return this.meta.status;
    if (this.lastRunFailed) return 'failed';
    return this.meta.abortedLastRun ? 'interrupted' : 'idle';
  }

  view(now: number, stuckMs: number): SessionView {
    const usage = this.transcriptSeen || !this.meta.lastRunUsage ? this.totals : this.meta.lastRunUsage;
    return {
      key: this.meta.key,
      session_id: this.meta.sessionId,
      agent_id: this.meta.agentId,
      status: this.status(),
      model: this.meta.model ?? this.lastModel?.model ?? null,
      provider: this.meta.provider ?? this.lastModel?.provider ?? null,
      ...usage,
      cost_usd: roundUsd(usage.cost_usd),
      run_count: this.runCount,
      failed_runs: this.failedRuns,
      started_at: iso(this.meta.startedAt ?? this.firstMessageAt),
      updated_at: iso(this.meta.updatedAt),
      ended_at: iso(this.meta.endedAt),
      last_activity_at: iso(this.lastActivity),
      parent_key: this.meta.parentKey,
      spawned_by: this.meta.spawnedBy,
      stuck: this.isStuck(now, stuckMs),
    };
  }

  private bucket(message: TranscriptMessage): UsageBucket | null {
    if (message.role !== 'assistant' || message.at === null) return null;
    return this.bucketFor(
      utcDay(message.at),
      `${message.provider ?? this.meta.provider ?? 'unknown'}/${message.model ?? this.meta.model ?? 'unknown'}`,
    );
  }

  private bucketFor(day: string, model: string): UsageBucket {
    const id = `${day} ${model}`;
    let bucket = this.buckets.get(id);
    if (!bucket) this.buckets.set(id, (bucket = { ...emptyUsage(), day, model, runs: 0 }));
    return bucket;
  }
}

/** Whether a session changed in what its clients are told about (session updates). */
export function viewChanged(a: SessionView, b: SessionView): boolean {
  return (
    a.status !== b.status ||
    a.stuck !== b.stuck ||
    a.total_tokens !== b.total_tokens ||
    a.input_tokens !== b.input_tokens ||
    a.output_tokens !== b.output_tokens ||
    a.cost_usd !== b.cost_usd ||
    a.run_count !== b.run_count ||
    a.session_id !== b.session_id ||
    a.model !== b.model
  );
}
