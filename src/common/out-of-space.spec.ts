import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { outOfSpace } from './out-of-space';

describe('outOfSpace', () => {
  let dir: string;
  let db: DataSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-out-of-space-'));
    db = await new DataSource({ type: 'sqlite', database: join(dir, 'test.db') }).initialize();
    await db.query('CREATE TABLE "t" ("v" TEXT NOT NULL)');
  });

  afterAll(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => Promise.reject(new Error('expected a failure')),
      (error: unknown) => error,
    );

  // Linux's /dev/full answers every write with ENOSPC: a real full disk, without one.
  (existsSync('/dev/full') ? it : it.skip)("recognises Node's ENOSPC, also when wrapped as a cause", async () => {
    const error = await failure(writeFile('/dev/full', 'x'));
    expect(outOfSpace(error)).toEqual({ code: 'ENOSPC', certain: true });
    expect(outOfSpace(new Error('the backup failed', { cause: error }))).toEqual({ code: 'ENOSPC', certain: true });
  });

  it("recognises SQLite's SQLITE_FULL inside TypeORM's QueryFailedError", async () => {
    // A database may not grow past max_page_count: SQLite then answers as it does on a full disk.
    const [{ page_count }] = await db.query('PRAGMA page_count');
    await db.query(`PRAGMA max_page_count = ${page_count}`);
    const error = await failure(db.query('INSERT INTO "t" ("v") VALUES (?)', ['x'.repeat(100_000)]));
    await db.query('PRAGMA max_page_count = 1073741823');
    expect(outOfSpace(error)).toEqual({ code: 'SQLITE_FULL', certain: true });
  });

  it('names the file when the error does, and counts an exhausted quota as no room', () => {
    expect(
      outOfSpace(
        Object.assign(new Error('EDQUOT: disk quota exceeded, open'), { code: 'EDQUOT', path: '/data/status.json' }),
      ),
    ).toEqual({ code: 'EDQUOT', certain: true, path: '/data/status.json' });
  });

  it("leaves SQLite's I/O error to be confirmed by the disk", () => {
    expect(outOfSpace(Object.assign(new Error('SQLITE_IOERR: disk I/O error'), { code: 'SQLITE_IOERR' }))).toEqual({
      code: 'SQLITE_IOERR',
      certain: false,
    });
  });

  it('does not take other failures for a full disk, and follows no cycle of causes', async () => {
    expect(outOfSpace(await failure(writeFile(join(dir, 'no', 'such', 'folder'), 'x')))).toBeNull();
    expect(outOfSpace(await failure(db.query('INSERT INTO "t" ("v") VALUES (NULL)')))).toBeNull();
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(outOfSpace(a)).toBeNull();
    expect(outOfSpace('ENOSPC')).toBeNull();
    expect(outOfSpace(null)).toBeNull();
  });
});
