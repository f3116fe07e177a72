import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { SqliteStatements } from './sqlite-statements';

describe('SqliteStatements on a real SQLite file', () => {
  let dir: string;
  let db: Database;
  let statements: SqliteStatements;
  const insert = (names: (string | null)[]) =>
    [`INSERT INTO "t" ("name") VALUES ${names.map(() => '(?)').join(', ')}`, names] as const;
  const query = <T>(sql: string) =>
    new Promise<T[]>((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  const close = () => new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-statements-'));
    db = await new Promise<Database>((resolve, reject) => {
      const opened: Database = new Database(join(dir, 'test.db'), (error) => (error ? reject(error) : resolve(opened)));
    });
    await query('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL)');
    statements = new SqliteStatements(db);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the same INSERT again with the statement kept, answering each time with the last id', async () => {
    expect(await statements.run(...insert(['a', 'b']))).toBe(2);
    expect(await statements.run(...insert(['c', 'd']))).toBe(4);
    expect(await statements.run(...insert(['e']))).toBe(5);
    expect(await query('SELECT "id", "name" FROM "t" ORDER BY "id"')).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((name, i) => ({ id: i + 1, name })),
    );
    await statements.close();
    await close();
  });

  it('keeps a bounded number of statements, and the connection closes once they are closed', async () => {
    // 40 shapes, more than it keeps, and one of 9,000 parameters, over a third of what it keeps in all.
    for (let rows = 1; rows <= 40; rows++)
      await statements.run(...insert(Array.from({ length: rows }, (_, i) => `${rows}-${i}`)));
    await statements.run(...insert(Array.from({ length: 9_000 }, (_, i) => `big-${i}`)));
    for (let rows = 1; rows <= 3; rows++)
      await statements.run(...insert(Array.from({ length: rows }, (_, i) => `again-${rows}-${i}`)));
    expect(await query('SELECT COUNT(*) AS "n" FROM "t"')).toEqual([{ n: (40 * 41) / 2 + 9_000 + 6 }]);
    await statements.close();
    await close();
  });

  it('rejects a statement SQLite cannot prepare with its error, and goes on with the next', async () => {
    await expect(statements.run('INSERT INTO "missing" ("name") VALUES (?)', ['x'])).rejects.toThrow(
      'SQLITE_ERROR: no such table: missing',
    );
    await expect(statements.run('INSERT INTO "missing" ("name") VALUES (?)', ['x'])).rejects.toThrow('no such table');
    expect(await statements.run(...insert(['after']))).toBe(1);
    await statements.close();
    await close();
  });

  it('rejects a failed run with its error and runs the same statement again afterwards', async () => {
    await expect(statements.run(...insert(['ok', null]))).rejects.toThrow(
      'SQLITE_CONSTRAINT: NOT NULL constraint failed: t.name',
    );
    expect(await query('SELECT COUNT(*) AS "n" FROM "t"')).toEqual([{ n: 0 }]);
    expect(await statements.run(...insert(['ok', 'also']))).toBe(2);
    await statements.close();
    await close();
  });
});
