import { access } from 'node:fs/promises';
import * as sqlite3 from 'sqlite3';

/**
 * A read-only connection to another program's SQLite database, opened for one read and closed.
 * It never creates, writes or locks for writing anything there: when the database has no `-wal`
 * file, SQLite's read-only mode would still create one (and a `-shm`) in the folder, so such a
 * database, fully checkpointed, is opened `immutable`; with a `-wal` and `-shm` present (the writer
 * is running) it is opened `mode=ro`, which joins the writer's WAL as a reader.
 */
export class ReadonlySqlite {
  private constructor(private readonly db: sqlite3.Database) {}

  static async open(path: string): Promise<ReadonlySqlite> {
    const exists = (suffix: string) => access(path + suffix).then(() => true, () => false);
    const [wal, shm] = await Promise.all([exists('-wal'), exists('-shm')]);
    if (wal !== shm) throw new Error('the database is between states (a -wal without its -shm, or the reverse); read again later');
    const uri = `file:${encodeURI(path).replace(/\?/g, '%3F').replace(/#/g, '%23')}?${wal ? 'mode=ro' : 'immutable=1'}`;
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle: sqlite3.Database = new sqlite3.Database(uri, sqlite3.OPEN_READONLY | sqlite3.OPEN_URI, (error) =>
        error ? reject(error) : resolve(handle),
      );
    });
    // A writer holding the database briefly must not block the poll for long: it is read again next time.
    db.configure('busyTimeout', 200);
    return new ReadonlySqlite(db);
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  }

  async columns(table: string): Promise<Set<string>> {
    const rows = await this.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table]);
    return new Set(rows.map((r) => r.name));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}
