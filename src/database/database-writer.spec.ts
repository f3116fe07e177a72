import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseWriter } from './database-writer';

describe('DatabaseWriter on a real SQLite file', () => {
  let dir: string;
  let db: DataSource;
  let writer: DatabaseWriter;
  const insert = (...names: (string | null)[]) => [`INSERT INTO "t" ("name") VALUES ${names.map(() => '(?)').join(', ')}`, names] as const;
  const names = async () => ((await db.query('SELECT "name" FROM "t" ORDER BY "name"')) as { name: string }[]).map((r) => r.name);
  const failing = (name: string) =>
    writer.transaction(async (m) => {
      await m.query(...insert(name));
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('rolled back');
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-writer-'));
    db = await new DataSource({ type: 'sqlite', database: join(dir, 'test.db'), enableWAL: true }).initialize();
    await db.query('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL)');
    writer = new DatabaseWriter(db);
    await writer.onModuleInit();
  });

  afterEach(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('does not run a statement inside a transaction queued before it', async () => {
    const transaction = failing('in the transaction');
    const statement = writer.statement(...insert('after'));
    await expect(transaction).rejects.toThrow('rolled back');
    await statement;
    expect(await names()).toEqual(['after']);
  });

  it('starts a transaction only after the statements queued before it, which its rollback leaves alone', async () => {
    const statements = [writer.statement(...insert('first')), writer.statement(...insert('second'))];
    await expect(failing('in the transaction')).rejects.toThrow('rolled back');
    await Promise.all(statements);
    expect(await names()).toEqual(['first', 'second']);
  });

  it('commits statements queued together each on its own, all or nothing', async () => {
    const results = await Promise.allSettled([
      writer.statement(...insert('a', 'b')),
      writer.statement(...insert('c', null)),
      writer.statement(...insert('d')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await names()).toEqual(['a', 'b', 'd']);
  });
});
