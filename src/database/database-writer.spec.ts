import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { DiskSpaceService } from '../common/disk-space.service';
import { InsufficientStorageException } from '../common/insufficient-storage.exception';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from './database-writer';

describe('DatabaseWriter on a real SQLite file', () => {
  let dir: string;
  let db: DataSource;
  let writer: DatabaseWriter;
  let disk: DiskSpaceService;
  const insert = (...names: (string | null)[]) =>
    [`INSERT INTO "t" ("name") VALUES ${names.map(() => '(?)').join(', ')}`, names] as const;
  const names = async () =>
    ((await db.query('SELECT "name" FROM "t" ORDER BY "name"')) as { name: string }[]).map((r) => r.name);
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
    const config = new ConfigService({
      MC_DATA_DIR: dir,
      MC_BACKUP_DIR: dir,
      MC_WORKSPACE: dir,
    }) as unknown as AppConfig;
    disk = new DiskSpaceService(config);
    writer = new DatabaseWriter(db, disk);
    await writer.onModuleInit();
  });

  afterEach(async () => {
    await writer.onModuleDestroy();
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

  it('answers a write that finds no room with a 507 naming the data folder, and writes again once there is room', async () => {
    // A database may not grow past max_page_count: SQLite then answers SQLITE_FULL, as on a full disk.
    const [{ page_count }] = await db.query('PRAGMA page_count');
    await db.query(`PRAGMA max_page_count = ${page_count}`);
    const refused = await writer.statement(...insert('x'.repeat(100_000))).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InsufficientStorageException);
    expect(refused).toMatchObject({ variable: 'MC_DATA_DIR', fullPath: dir, freeBytes: expect.any(Number) });
    await expect(writer.transaction((m) => m.query(...insert('y'.repeat(100_000))))).rejects.toBeInstanceOf(
      InsufficientStorageException,
    );
    expect((await disk.report()).MC_DATA_DIR.full).toBe(true);

    await db.query('PRAGMA max_page_count = 1073741823');
    await writer.transaction((m) => m.query(...insert('fits')));
    expect(await names()).toEqual(['fits']);
    expect((await disk.report()).MC_DATA_DIR.full).toBe(false);
  });

  it('commits what follows a transaction that SQLite rolled back by itself, as it does when the disk is full', async () => {
    // Without a statement journal (no constraint to check), SQLite
    // answers SQLITE_FULL by rolling the whole transaction back.
    await db.query('CREATE TABLE "u" ("v" TEXT)');
    const [{ page_count }] = await db.query('PRAGMA page_count');
    await db.query(`PRAGMA max_page_count = ${page_count}`);
    await expect(
      writer.transaction((m) => m.query('INSERT INTO "u" ("v") VALUES (?)', ['x'.repeat(100_000)])),
    ).rejects.toBeInstanceOf(InsufficientStorageException);
    await db.query('PRAGMA max_page_count = 1073741823');
    await expect(failing('rolled back')).rejects.toThrow('rolled back');
    await writer.statement(...insert('after'));
    // Another connection sees only what was committed.
    const other = await new DataSource({ type: 'sqlite', database: join(dir, 'test.db') }).initialize();
    try {
      expect(((await other.query('SELECT "name" FROM "t"')) as { name: string }[]).map((r) => r.name)).toEqual([
        'after',
      ]);
    } finally {
      await other.destroy();
    }
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
