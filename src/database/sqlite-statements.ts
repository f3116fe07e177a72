import type { Database, Statement } from 'sqlite3';

/** A prepared INSERT's native memory grows with its parameters, so what is kept is bounded. */
const MAX_PARAMETERS = 32_000;
const MAX_STATEMENTS = 32;

/**
 * SQLite's prepared statements for the write that repeats (the event log's group INSERT), kept by
 * their text, least recently used dropped first. A group of 500-event batches comes in a few shapes
 * (500, 1,000, 1,500 rows), and a new statement each time costs SQLite's thread a parse of the whole
 * text and the main thread one more round trip to it.
 */
export class SqliteStatements {
  /** Each statement as its preparation settles: the driver answers a failed one only there. */
  private readonly prepared = new Map<string, { ready: Promise<Statement>; parameters: number }>();
  private parameters = 0;

  constructor(private readonly connection: Database) {}

  /** Runs one INSERT; answers with the last row id, as TypeORM's query does. */
  async run(sql: string, params: unknown[]): Promise<number> {
    const statement = await this.take(sql, params.length);
    return new Promise((resolve, reject) => {
      statement.run(params, function (this: { lastID: number }, error: Error | null) {
        if (error) reject(error);
        else resolve(this.lastID);
      });
    });
  }

  /** Finalizes every statement kept: SQLite refuses to close a connection that still has some. */
  async close(): Promise<void> {
    const kept = [...this.prepared.values()];
    this.prepared.clear();
    this.parameters = 0;
    await Promise.all(kept.map(({ ready }) => ready.then(finalize, () => undefined)));
  }

  private take(sql: string, parameters: number): Promise<Statement> {
    let kept = this.prepared.get(sql);
    if (kept) {
      this.prepared.delete(sql);
    } else {
      kept = { ready: this.prepare(sql), parameters };
      this.parameters += parameters;
    }
    this.prepared.set(sql, kept);
    for (const [oldest, { ready }] of this.prepared) {
      if (this.prepared.size <= 1 || (this.prepared.size <= MAX_STATEMENTS && this.parameters <= MAX_PARAMETERS)) break;
      this.forget(oldest);
      // The driver runs a finalize after the calls already queued on the statement.
      void ready.then(finalize, () => undefined);
    }
    return kept.ready;
  }

  private prepare(sql: string): Promise<Statement> {
    const ready = new Promise<Statement>((resolve, reject) => {
      const statement = this.connection.prepare(sql, (error: Error | null) =>
        error ? reject(error) : resolve(statement),
      );
    });
    ready.catch(() => this.prepared.get(sql)?.ready === ready && this.forget(sql));
    return ready;
  }

  private forget(sql: string): void {
    const kept = this.prepared.get(sql);
    if (!kept) return;
    this.prepared.delete(sql);
    this.parameters -= kept.parameters;
  }
}

function finalize(statement: Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}
