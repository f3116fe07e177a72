import { Logger } from '@nestjs/common';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isPlainObject } from '../common/json';
import { parseLenientJson } from '../workspace/lenient-json';

export type JsonObject = Record<string, unknown>;

/** How long a deliberately half-written state.json stays that way: longer than the watcher's settle time. */
const HALF_WRITE_MS = 300;

/**
 * The simulator's reads and writes of workspace files, one after another: atomic replacements, and
 * now and then a file left half-written for a moment, as agents leave them.
 */
export class DemoFiles {
  private readonly logger = new Logger('DemoSimulator');
  /** Half-written state.json files, each with the full text due and the timer that will write it. */
  private readonly halfWritten = new Map<string, { text: string; timer: NodeJS.Timeout }>();
  private writes: Promise<void> = Promise.resolve();
  private tempCounter = 0;

  /** Completes every half-written file and waits for the writes, so the workspace is left readable. */
  async settle(): Promise<void> {
    await Promise.all([...this.halfWritten.keys()].map((path) => this.completeHalfWrite(path)));
    await this.writes;
  }

  /**
   * The file's object, or null when it is missing or not a JSON object. A file this simulator left
   * half-written reads as the text it is about to complete, so whether the completing timer has run
   * yet never changes what a seeded run does.
   */
  async readJson(path: string): Promise<JsonObject | null> {
    await this.writes;
    try {
      const value = parseLenientJson(this.halfWritten.get(path)?.text ?? (await readFile(path, 'utf8')));
      return isPlainObject(value) ? value : null;
    } catch {
      return null;
    }
  }

  /**
   * Queues a write behind the others, so a delayed completion can never land after a newer write.
   * Atomic unless told otherwise: temp file in the same folder, then rename, so readers see the old
   * file or the new one, never part of it.
   */
  write(path: string, text: string, { atomic = true } = {}): Promise<void> {
    // This write supersedes any completion still waiting for the same file.
    clearTimeout(this.halfWritten.get(path)?.timer);
    this.halfWritten.delete(path);
    const write = this.writes.then(() => (atomic ? this.replaceFile(path, text) : writeFile(path, text)));
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async replaceFile(path: string, text: string): Promise<void> {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++this.tempCounter}.tmp`);
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** What agents do now and then: the file is truncated in place for a moment before the rest arrives. */
  async writeHalfThenWhole(path: string, text: string): Promise<void> {
    await this.write(path, text.slice(0, Math.floor(text.length / 2)), { atomic: false });
    const timer = setTimeout(() => {
      this.completeHalfWrite(path).catch((error: Error) =>
        this.logger.warn(`Completing ${path} failed: ${error.message}`),
      );
    }, HALF_WRITE_MS);
    this.halfWritten.set(path, { text, timer });
  }

  private completeHalfWrite(path: string): Promise<void> {
    const pending = this.halfWritten.get(path);
    return pending ? this.write(path, pending.text) : Promise.resolve();
  }
}
