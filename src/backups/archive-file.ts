import { createHash } from 'node:crypto';
import { FileHandle, open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ARCHIVE_READ_BYTES } from './archive-reader';

/**
 * The end of an archive's pipeline: writes the archive to `path`, hashing and counting the bytes as
 * they go to disk, and lets one reader follow the file as it grows (readBack). fs.WriteStream counts
 * what it has written but says nothing when it writes, so a reader behind it could only poll.
 */
export class ArchiveFile extends Writable {
  private readonly hash = createHash('sha256');
  private handle: FileHandle | null = null;
  /** Bytes on disk so far. */
  written = 0;
  /** Set once nothing more will be written: the file is complete, or the writing failed. */
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(readonly path: string) {
    super();
  }

  /** The archive's sha256, once written whole. */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _construct(done: (error?: Error | null) => void): void {
    open(this.path, 'w').then((handle) => ((this.handle = handle), done()), done);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.finish().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.finish().then(
      () => done(error),
      () => done(error),
    );
  }

  /**
   * The file's bytes, read back from disk as they are written, until the writing ends: what a check
   * reads this way is what the disk holds, read while gzip is still at work on the rest. Each piece is
   * read through the path, so a file put in this one's place is what gets read (and fails the check);
   * a short read means the file there is not the one being written, and reading stops.
   */
  async *readBack(): AsyncGenerator<Buffer> {
    for (let position = 0; ;) {
      const ended = this.ended;
      if (position < this.written) {
        const wanted = Math.min(this.written - position, ARCHIVE_READ_BYTES);
        const piece = await readPiece(this.path, position, wanted);
        position += piece.length;
        yield piece;
        if (piece.length < wanted) return;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length;)
      at += (await this.handle!.write(chunk, at, chunk.length - at, this.written + at)).bytesWritten;
    this.hash.update(chunk);
    this.written += chunk.length;
    this.notify();
  }

  private async finish(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    try {
      await handle?.close();
    } finally {
      this.ended = true;
      this.notify();
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }
}

async function readPiece(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(length), 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
