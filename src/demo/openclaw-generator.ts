import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigOptions, configText, DEFAULT_PRICES, GeneratedAgent, modelRef } from './openclaw-config-file';
import { AgentStore, LegacyAgentStore, SessionRecord, SqliteAgentStore } from './openclaw-stores';
import {
  AnswerUsage,
  answerUsage,
  ModelRef,
  TokenCounts,
  TranscriptEvent,
  TranscriptWriter,
} from './openclaw-transcript';

export type { TokenCounts } from './openclaw-transcript';
export type { GeneratedAgent } from './openclaw-config-file';

export interface OpenClawHomeOptions extends ConfigOptions {
  /**
   * A zstd encoder (say @bokuweb/zstd-wasm's `compress`). With it, transcript lines of at least
   * compressMinBytes are stored compressed as OpenClaw stores them when it has a zstd codec.
   */
  compress?: (bytes: Uint8Array) => Uint8Array;
  /** 1024 unless given, OpenClaw's own threshold. */
  compressMinBytes?: number;
}

/** A session the generator wrote. */
export interface GeneratedSession {
  readonly agentId: string;
  readonly key: string;
  readonly sessionId: string;
}

/** A run that has started (its user message is written) and not ended. */
export interface OpenRun {
  readonly session: GeneratedSession;
  readonly runId: string;
  readonly startedAt: number;
}

export interface SessionOptions {
  /** `agent:<agentId>:main` for an agent's first session, `agent:<agentId>:explicit:<uuid>` after it, unless given. */
  key?: string;
  /** Epoch ms; now unless given. */
  at?: number;
  /** Makes a subagent session, `agent:<agentId>:subagent:<uuid>`, spawned by this one. */
  spawnedBy?: GeneratedSession;
}

export interface RunStart {
  /**
   * Epoch ms of the user's message. Unless given, a started run starts now and a whole run ends now,
   * never before the session's last line, so runs added in a burst stay in order.
   */
  at?: number;
  text?: string;
}

export interface RunEnd {
  /** From the user's message to the answer; 1.5 s unless given. */
  durationMs?: number;
  answer?: string;
  /** The final answer's tokens; made up from the texts' lengths unless given. */
  usage?: TokenCounts;
  /** A tool call before the answer: an assistant `toolCall` (with its own usage) and the `toolResult`. */
  tool?: { name: string; arguments?: Record<string, unknown>; result: string; isError?: boolean; usage?: TokenCounts };
  /** The run fails with this error instead of answering (and after the tool call, if any). */
  error?: string;
}

interface Session extends GeneratedSession, SessionRecord {
  agent: Agent;
  transcript: TranscriptWriter;
  /** Whether the run under way was admitted by startRun (marked running) or runs whole in addRun. */
  admitted: boolean;
}

interface Agent {
  id: string;
  model: ModelRef;
  store: AgentStore;
  layout: GeneratedAgent['layout'];
  /** By session key. */
  sessions: Map<string, Session>;
}

const DEFAULT_RUN_MS = 1_500;

/** Written into every generated home; only a folder holding it is ever replaced. */
const GENERATED_MARKER = '.mission-control-generated';

/**
 * Writes an OpenClaw state folder (`MC_OPENCLAW_HOME`) in the formats OpenClaw 2026.9.6 writes:
 * openclaw.json, one SQLite database per agent or the older sessions.json + JSONL layout, sessions
 * and runs with usage priced from openclaw.json. Writes are buffered until flush(), which commits
 * each agent's share in one short transaction; nothing of an unflushed turn is visible.
 */
export class OpenClawHome {
  private readonly agents = new Map<string, Agent>();

  private constructor(readonly dir: string) {}

  /** Replaces a folder this generator made earlier; refuses any other non-empty folder, such as a real ~/.openclaw. */
  static async create(dir: string, options: OpenClawHomeOptions): Promise<OpenClawHome> {
    await replaceGenerated(dir);
    const prices = options.prices ?? DEFAULT_PRICES;
    const defaultModel = options.defaultModel ?? Object.keys(prices)[0];
    await writeFile(join(dir, 'openclaw.json'), configText({ ...options, prices, defaultModel }));
    const home = new OpenClawHome(dir);
    const storeOptions = { compress: options.compress, compressMinBytes: options.compressMinBytes ?? 1024 };
    for (const agent of options.agents) {
      const store =
        agent.layout === 'sqlite'
          ? await SqliteAgentStore.create(
              join(dir, 'agents', agent.id, 'agent', 'openclaw-agent.sqlite'),
              agent.id,
              storeOptions,
            )
          : await LegacyAgentStore.create(join(dir, 'agents', agent.id, 'sessions'));
      home.agents.set(agent.id, {
        id: agent.id,
        model: modelRef(agent.model ?? defaultModel, prices),
        store,
        layout: agent.layout,
        sessions: new Map(),
      });
    }
    return home;
  }

  sessions(agentId?: string): GeneratedSession[] {
    return [...this.agents.values()]
      .filter((a) => !agentId || a.id === agentId)
      .flatMap((a) => [...a.sessions.values()]);
  }

  addSession(agentId: string, options: SessionOptions = {}): GeneratedSession {
    const agent = this.agent(agentId);
    const at = Math.round(options.at ?? Date.now());
    const sessionId = randomUUID();
    const parent = options.spawnedBy ? this.session(options.spawnedBy) : null;
    const key = options.key ?? (parent ? `agent:${agentId}:subagent:${randomUUID()}` : defaultKey(agent));
    const session: Session = {
      agentId,
      key,
      sessionId,
      agent,
      admitted: false,
      nextSeq: 0,
      transcriptUpdatedAt: at,
      transcript: new TranscriptWriter(sessionId, agent.model),
      entry: {
        sessionId,
        updatedAt: at,
        sessionStartedAt: at,
        delivery: { kind: 'none' },
        model: agent.model.id,
        modelProvider: agent.model.provider,
        ...(parent && { spawnedBy: parent.key, parentSessionKey: parent.key, spawnDepth: 1 }),
      },
      created: parent && { at, via: 'spawn' as const, actorType: 'agent' as const, actorId: parent.agentId },
    };
    if (agent.sessions.has(key)) throw new Error(`session "${key}" exists already`);
    agent.sessions.set(key, session);
    // The sqlite layout's headers say version 4; the file-backed releases wrote version 3.
    const version = agent.layout === 'sqlite' ? 4 : 3;
    for (const event of session.transcript.opening(at, join(this.dir, `workspace-${agentId}`), version))
      this.append(session, event);
    agent.store.touch(session);
    return session;
  }

  /**
   * The user's message and the session marked running, in one write, as the Gateway admits a turn;
   * the session shows as running until finishRun. The Gateway also records the run's start and end.
   */
  startRun(handle: GeneratedSession, start: RunStart = {}): OpenRun {
    const run = this.begin(handle, start, 0);
    const session = this.session(handle);
    session.admitted = true;
    this.updateEntry(session, run.startedAt + 50, {
      status: 'running',
      startedAt: run.startedAt,
      endedAt: undefined,
      runtimeMs: undefined,
      lastInteractionAt: run.startedAt,
    });
    return run;
  }

  finishRun(run: OpenRun, end: RunEnd = {}): void {
    const session = this.session(run.session);
    // Epoch-ms columns are STRICT INTEGERs: fractional times are refused.
    const endAt = run.startedAt + Math.round(end.durationMs ?? DEFAULT_RUN_MS);
    const answers: AnswerUsage[] = [];
    if (end.tool) {
      const callId = `call_${randomUUID().slice(0, 8)}`;
      const at = run.startedAt + Math.round((endAt - run.startedAt) * 0.4);
      const usage = answerUsage(end.tool.usage ?? madeUpUsage(session, end.tool.name), session.agent.model.price);
      answers.push(usage);
      this.append(
        session,
        session.transcript.toolCall(at, run.runId, usage, callId, end.tool.name, end.tool.arguments ?? {}),
      );
      this.append(
        session,
        session.transcript.toolResult(
          at + 200,
          run.runId,
          callId,
          end.tool.name,
          end.tool.result,
          end.tool.isError ?? false,
        ),
      );
    }
    // A run OpenClaw did not admit as running keeps the stored status it had: a failure shows in the transcript only.
    const status = session.admitted
      ? {
          status: end.error ? ('failed' as const) : ('done' as const),
          endedAt: endAt + 90,
          runtimeMs: endAt + 90 - run.startedAt,
          lastRunId: run.runId,
        }
      : {};
    session.admitted = false;
    if (end.error) {
      this.append(session, session.transcript.bootstrapContext(endAt - 100, run.runId));
      this.append(session, session.transcript.failure(endAt, run.runId, end.error));
      // A failed run leaves the last good run's figures and activity time in place.
      this.updateEntry(session, endAt + 125, {
        ...status,
        activeWriterRunId: run.runId,
        lastInteractionAt: run.startedAt,
      });
      return;
    }
    const answer = end.answer ?? 'Done.';
    const usage = answerUsage(end.usage ?? madeUpUsage(session, answer), session.agent.model.price);
    answers.push(usage);
    this.append(session, session.transcript.answer(endAt, run.runId, usage, answer));
    this.append(session, session.transcript.bootstrapContext(endAt + 75, run.runId));
    const sum = (pick: (u: AnswerUsage) => number) => answers.reduce((total, u) => total + pick(u), 0);
    this.updateEntry(session, endAt + 100, {
      ...status,
      lastInteractionAt: endAt + 100,
      activeWriterRunId: run.runId,
      abortedLastRun: false,
      lastActivityAt: endAt + 100,
      contextTokens: 128_000,
      contextTokensSource: 'resolved',
      agentHarnessId: 'openclaw',
      // The last run's figures, not the session's running total; totalTokens is the last call's prompt size.
      inputTokens: sum((u) => u.input),
      outputTokens: sum((u) => u.output),
      cacheRead: sum((u) => u.cacheRead),
      cacheWrite: sum((u) => u.cacheWrite),
      estimatedCostUsd: sum((u) => u.cost.total),
      totalTokens: usage.input + usage.cacheRead + usage.cacheWrite,
      totalTokensFresh: true,
      totalTokensVersion: 1,
    });
  }

  /** A whole run at once, as `openclaw agent --local` leaves it; unless `at` is given, one that ends now. */
  addRun(handle: GeneratedSession, run: RunStart & RunEnd = {}): void {
    this.finishRun(this.begin(handle, run, run.durationMs ?? DEFAULT_RUN_MS), run);
  }

  /** Commits everything written since the last flush: per agent one transaction, or the legacy files. */
  async flush(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.store.flush()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.store.close()));
  }

  private begin(handle: GeneratedSession, start: RunStart, durationMs: number): OpenRun {
    const session = this.session(handle);
    const startedAt = Math.round(start.at ?? Math.max(Date.now() - durationMs, session.transcriptUpdatedAt + 1));
    this.append(session, session.transcript.user(startedAt, start.text ?? 'What is next?'));
    return { session, runId: randomUUID(), startedAt };
  }

  private updateEntry(session: Session, at: number, fields: Record<string, unknown>): void {
    Object.assign(session.entry, fields, { updatedAt: at });
    session.agent.store.touch(session);
  }

  private append(session: Session, event: TranscriptEvent): void {
    session.agent.store.append(session, event);
  }

  private agent(id: string): Agent {
    const agent = this.agents.get(id);
    if (!agent) throw new Error(`no agent "${id}" in this OpenClaw home`);
    return agent;
  }

  private session(handle: GeneratedSession): Session {
    const session = this.agent(handle.agentId).sessions.get(handle.key);
    if (!session) throw new Error(`no session "${handle.key}" in this OpenClaw home`);
    return session;
  }
}

function defaultKey(agent: Agent): string {
  const main = `agent:${agent.id}:main`;
  return agent.sessions.has(main) ? `agent:${agent.id}:explicit:${randomUUID()}` : main;
}

/** Token counts that grow with the conversation, as a prompt carrying the history does. */
function madeUpUsage(session: Session, text: string): TokenCounts {
  return { input: 900 + session.nextSeq * 60, output: 8 + Math.ceil(text.length / 4), cacheRead: session.nextSeq * 40 };
}

async function replaceGenerated(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException): string[] => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0 && !entries.includes(GENERATED_MARKER)) {
    throw new Error(`${dir} holds files the generator did not write (a real OpenClaw home?); refusing to replace it`);
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, GENERATED_MARKER),
    "Written by Mission Control's OpenClaw generator; replaced each time it runs.\n",
  );
}
