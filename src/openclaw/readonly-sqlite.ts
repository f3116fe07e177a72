import { stat } from 'node:fs/promises';
import * as sqlite3 from 'sqlite3';
import { openRegularFile } from '../common/regular-file';

type Mode = 'ro' | 'immutable';

/**
 * A file written this close to the last look may have been written again within the same tick of the
 * kernel's file clock (a few ms), its mtime unchanged: it is read again. Longer would cost OpenClaw:
 * each read holds a WAL read lock that its closing TRUNCATE checkpoint waits for.
 */
const RACY_MS = 100;

/**
 * A read-only look at another program's SQLite database. It never creates, writes or keeps a lock on
 * anything there: each `read()` opens a connection, reads in one read transaction and closes it, so
 * between polls the writer may checkpoint, take an exclusive lock, and delete its `-wal` and `-shm`
 * on its last close. A database with a `-wal` and `-shm` (its writer is running) is opened `mode=ro`,
 * which joins the writer's WAL as a reader; a fully checkpointed WAL database is opened `immutable`,
 * because SQLite's read-only mode would otherwise create `-wal` and `-shm` files next to it. A
 * rollback-journal database (its header says so) is opened `mode=ro`, which creates no file for it and
 * obeys a writer's lock: `immutable` takes no lock, and would read pages a writer spilled before commit.
 *
 * `changed()` says cheaply, from the files' sizes and mtimes, whether anything may have been committed
 * since the last look: every commit writes the main file or the `-wal`.
 */
export class ReadonlySqlite {
  private db: sqlite3.Database | null = null;
  private mode: Mode = 'immutable';
  private stamp = '';
  private lookedAt = 0;
  /** The file's device and inode at the last look: another value means the database was replaced. */
  identity = '';

  constructor(private readonly path: string) {}

  /** True when something may have changed since the last call. */
  async changed(): Promise<boolean> {
    const [main, wal, shm] = await Promise.all(
      ['', '-wal', '-shm'].map((suffix) => stat(this.path + suffix, { bigint: true }).catch(() => null)),
    );
    if (!main) throw new Error('the database file is gone');
    if ((wal === null) !== (shm === null))
      throw new Error('the database is between states (a -wal without its -shm, or the reverse); read again later');
    const now = Date.now();
    const newest = Number((wal && wal.mtimeNs > main.mtimeNs ? wal.mtimeNs : main.mtimeNs) / 1_000_000n);
    const stamp = `${main.dev}:${main.ino}:${main.size}:${main.mtimeNs}:${wal?.size ?? '-'}:${wal?.mtimeNs ?? '-'}`;
    // A file written within a clock tick of the last look may have been written again in that same tick.
    const same = stamp === this.stamp && newest < this.lookedAt - RACY_MS;
    if (!same) this.mode = wal || !(await walHeader(this.path)) ? 'ro' : 'immutable';
    this.identity = `${main.dev}:${main.ino}`;
    this.stamp = stamp;
    this.lookedAt = now;
    return !same;
  }

  /** Opens, runs `fn` inside one read transaction, and closes, whatever happens. */
  async read<T>(fn: (db: ReadonlySqlite) => Promise<T>): Promise<T> {
    if (this.db) throw new Error('a read is already under way');
    if (!this.stamp) await this.changed();
    try {
      this.db = await open(this.path, this.mode);
      await this.all('BEGIN');
      try {
        return await fn(this);
      } finally {
        await this.all('COMMIT');
      }
    } catch (error) {
      // What could not be read is read again next time, changed or not.
      this.stamp = '';
      throw error;
    } finally {
      await this.close();
    }
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = this.db;
    if (!db) return Promise.reject(new Error('the database is not open'));
    return new Promise((resolve, reject) =>
      db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
    );
  }

  async columns(table: string): Promise<Set<string>> {
    const rows = await this.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table]);
    return new Set(rows.map((r) => r.name));
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    if (db) await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/**
 * Whether the database header's write or read version (bytes 18 and 19) says WAL (2) rather than rollback journal (1).
 */
async function walHeader(path: string): Promise<boolean> {
  const { handle } = await openRegularFile(path);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(20), 0, 20, 0);
    return bytesRead === 20 && (buffer[18] === 2 || buffer[19] === 2);
  } finally {
    await handle.close();
  }
}

async function open(path: string, mode: Mode): Promise<sqlite3.Database> {
  const uri = `file:${encodeURI(path).replace(/\?/g, '%3F').replace(/#/g, '%23')}?${mode === 'ro' ? 'mode=ro' : 'immutable=1'}`;
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const handle: sqlite3.Database = new sqlite3.Database(uri, sqlite3.OPEN_READONLY | sqlite3.OPEN_URI, (error) =>
      error ? reject(error) : resolve(handle),
    );
  });
  // A writer holding the database briefly must not hold up the poll: it reads again next time.
  db.configure('busyTimeout', 200);
  return db;
}
