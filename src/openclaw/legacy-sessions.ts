import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import JSON5 from 'json5';
import { isPlainObject } from '../common/json';
import { openRegularFile, readRegularFile } from '../common/regular-file';
import { entryUsage, SessionStore, StoreChanges, text, TranscriptEntry } from './session-store';
import { ModelPrice } from '../contracts/usage';
import { SessionMeta } from './session-tracker';
import { epochMs, parseTranscriptLine } from './transcript-line';
import { SkippedLines } from './skipped-lines';

const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** A single read of new transcript bytes; a larger backlog is read over several polls. */
const MAX_READ_BYTES = 32 * 1024 * 1024;

interface TranscriptFile {
  key: string;
  path: string;
  identity: string;
  offset: number;
  lines: number;
}

/**
 * The layout of OpenClaw before mid-2026: `sessions/sessions.json` (session key → entry) and one
 * `<sessionId>.jsonl` transcript per session. The index is read again when its size or mtime changes;
 * each transcript from where the last poll stopped, whole lines only (a line being written waits for
 * the next poll). A transcript that shrank or was replaced is counted again from the start.
 */
export class LegacySessions implements SessionStore {
  readonly layout = 'legacy';
  schemaVersion: number | null = null;
  problems: string[] = [];
  private indexStamp = '';
  /** Session key → a hash of its entry as last read, and what it said. */
  private readonly entries = new Map<string, { hash: string; meta: SessionMeta }>();
  private readonly files = new Map<string, TranscriptFile>();
  private readonly idsOfKey = new Map<string, string[]>();
  private readonly skipped = new SkippedLines();

  constructor(
    readonly agentId: string,
    private readonly dir: string,
  ) {}

  sessionIds(key: string): string[] {
    return this.idsOfKey.get(key) ?? [];
  }

  async poll(_counted: unknown, prices: Map<string, ModelPrice>): Promise<StoreChanges> {
    const problems: string[] = [];
    const metas = await this.readIndex(problems);
    const lines: TranscriptEntry[] = [];
    const recount = new Set<string>();
    for (const [sessionId, file] of this.files) {
      const path = file.path;
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      const identity = `${info.dev}:${info.ino}`;
      if (identity !== file.identity || info.size < file.offset) {
        if (file.identity) recount.add(file.key);
        Object.assign(file, { identity, offset: 0, lines: 0 });
      }
      if (info.size > file.offset) lines.push(...(await this.readNew(path, sessionId, file, info.size, prices)));
    }
    this.problems = [...problems, ...this.skipped.report()];
    const recounted = [...recount]
      .map((key) => this.entries.get(key)?.meta)
      .filter((m): m is SessionMeta => m !== undefined);
    return { metas: [...metas, ...recounted], loaded: [], lines: lines.filter((l) => !recount.has(l.key)), recount };
  }

  async close(): Promise<void> {}

  async readLines(
    sessionId: string,
    range: { before?: number; limit: number },
  ): Promise<{ position: number; line: string }[]> {
    const path = this.files.get(sessionId)?.path ?? join(this.dir, `${sessionId}.jsonl`);
    const info = await stat(path);
    if (info.size > MAX_INDEX_BYTES)
      throw new Error(`transcript ${basename(path)} is over ${MAX_INDEX_BYTES / 1048576} MiB`);
    const all = (await readRegularFile(path, MAX_INDEX_BYTES))
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim());
    const end = Math.min(all.length, range.before ?? all.length);
    const start = Math.max(0, end - range.limit);
    return all.slice(start, end).map((line, i) => ({ position: start + i, line }));
  }

  private async readIndex(problems: string[]): Promise<SessionMeta[]> {
    const path = join(this.dir, 'sessions.json');
    const info = await stat(path).catch(() => null);
    if (!info) return [];
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (stamp === this.indexStamp) return [];
    if (info.size > MAX_INDEX_BYTES) {
      problems.push(`sessions.json is over ${MAX_INDEX_BYTES / 1048576} MiB`);
      return [];
    }
    let index: unknown;
    try {
      // Regular files only, opened without blocking: a FIFO would hold the thread that opens it for good.
      index = JSON5.parse((await readRegularFile(path, MAX_INDEX_BYTES)).toString('utf8'));
    } catch (error) {
      // Likely caught mid-write: keep what was read before and try again at the next poll.
      problems.push(`sessions.json: ${(error as Error).message}`);
      return [];
    }
    this.indexStamp = stamp;
    if (!isPlainObject(index)) return [];
    const metas: SessionMeta[] = [];
    for (const [key, entry] of Object.entries(index)) {
      if (
        !isPlainObject(entry) ||
        typeof entry.sessionId !== 'string' ||
        !/^[A-Za-z0-9_.-]{1,128}$/.test(entry.sessionId)
      )
        continue;
      const hash = createHash('sha1').update(JSON.stringify(entry)).digest('base64');
      if (this.entries.get(key)?.hash === hash) continue;
      const meta = this.toMeta(key, entry);
      this.entries.set(key, { hash, meta });
      const ids = this.idsOfKey.get(key) ?? [];
      if (!ids.includes(entry.sessionId)) this.idsOfKey.set(key, [...ids, entry.sessionId]);
      if (!this.files.has(entry.sessionId))
        this.files.set(entry.sessionId, { key, path: this.transcriptPath(entry), identity: '', offset: 0, lines: 0 });
      metas.push(meta);
    }
    return metas;
  }

  /**
   * `sessionFile` (relative, or absolute as older versions wrote
   * it) when it stays in this folder, else `<sessionId>.jsonl`.
   */
  private transcriptPath(entry: Record<string, unknown>): string {
    const named = typeof entry.sessionFile === 'string' ? resolve(this.dir, entry.sessionFile) : null;
    return named && named.startsWith(this.dir + sep) && named.endsWith('.jsonl')
      ? named
      : join(this.dir, `${String(entry.sessionId)}.jsonl`);
  }

  private toMeta(key: string, entry: Record<string, unknown>): SessionMeta {
    return {
      key,
      agentId: this.agentId,
      sessionId: String(entry.sessionId),
      status: text(entry.status),
      provider: text(entry.modelProvider),
      model: text(entry.model),
      startedAt: epochMs(entry.sessionStartedAt),
      updatedAt: epochMs(entry.updatedAt),
      endedAt: epochMs(entry.endedAt),
      lastActivityAt: epochMs(entry.lastActivityAt) ?? epochMs(entry.lastInteractionAt),
      parentKey: text(entry.parentSessionKey),
      spawnedBy: text(entry.spawnedBy),
      abortedLastRun: entry.abortedLastRun === true,
      lastRunUsage: entryUsage(entry),
    };
  }

  /** Whole new lines from the file's offset; a partial last line is left for the next poll. */
  private async readNew(
    path: string,
    sessionId: string,
    file: TranscriptFile,
    size: number,
    prices: Map<string, ModelPrice>,
  ): Promise<TranscriptEntry[]> {
    const length = Math.min(size - file.offset, MAX_READ_BYTES);
    const { handle } = await openRegularFile(path);
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, file.offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end < 0) return [];
      file.offset += end + 1;
      const lines: TranscriptEntry[] = [];
      for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        const message = parseTranscriptLine(line, prices);
        if (message?.problem) this.skipped.note(`session ${sessionId} line ${file.lines + 1}`, message.problem);
        lines.push({ key: file.key, sessionId, position: file.lines++, message });
      }
      return lines;
    } finally {
      await handle.close();
    }
  }
}
