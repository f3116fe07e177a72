import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Under `npm run test:pg` (TEST_POSTGRES_URL set, to a database the tests may create others from),
 * every data folder a test starts Mission Control on gets a fresh PostgreSQL database of its own, and
 * the same one when the folder is reused (restart tests); under `npm test`, nothing: SQLite in the folder.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL;
export const DATABASE_PREFIX = 'mc_test_';
const databases = new Map<string, string>();

export const testEngine = ADMIN_URL ? 'postgres' : 'sqlite';

/** MC_DATABASE_URL for this data folder, or nothing under SQLite. */
export function databaseEnv(dataDir: string | undefined): Record<string, string> {
  if (!ADMIN_URL || !dataDir) return {};
  let url = databases.get(dataDir);
  if (!url) {
    // Unique across workers and across the test files one worker runs in turn.
    url = createDatabase(ADMIN_URL, `${DATABASE_PREFIX}${process.pid}_${Date.now().toString(36)}_${databases.size}`);
    databases.set(dataDir, url);
  }
  return { MC_DATABASE_URL: url };
}

/** Creates database `name` (dropping any left by an interrupted run) on the server of `adminUrl`; returns its URL. */
export function createDatabase(adminUrl: string, name: string): string {
  psql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

export function dropDatabase(adminUrl: string, name: string): void {
  psql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Runs statements with psql, synchronously: child processes are spawned synchronously too. */
export function psql(url: string, ...statements: string[]): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', ...statements.flatMap((s) => ['-c', s])], {
    encoding: 'utf8',
  });
}

/** Where a full backup keeps its copy of the database, for the engine under test. */
export const DATABASE_ENTRY = ADMIN_URL ? 'database/mission-control.pgdump' : 'database/metrics.db';

/** The `event_type` of every event in a database as a backup holds it (DATABASE_ENTRY), in id order. */
export async function eventTypesInCopy(file: string): Promise<string[]> {
  if (!ADMIN_URL) return sqliteEventTypes(file);
  // The table's rows as pg_restore writes them for COPY: tab-separated id, timestamp, event_type, ...
  const text = execFileSync('pg_restore', ['--data-only', '--table=events', '--file=-', file], { encoding: 'utf8' });
  const rows = text
    .slice(text.indexOf('FROM stdin;\n') + 'FROM stdin;\n'.length, text.indexOf('\n\\.'))
    .split('\n')
    .filter(Boolean);
  return rows
    .map((line) => line.split('\t'))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map((columns) => columns[2]);
}

/** The `event_type` of every event stored by the service on this data folder, in id order. */
export async function storedEventTypes(dataDir: string): Promise<string[]> {
  if (!ADMIN_URL) return sqliteEventTypes(join(dataDir, 'metrics.db'));
  return psql(databaseEnv(dataDir).MC_DATABASE_URL, 'SELECT "event_type" FROM "events" ORDER BY "id"')
    .split('\n')
    .filter(Boolean);
}

async function sqliteEventTypes(file: string): Promise<string[]> {
  const { Database } = await import('sqlite3');
  return new Promise((resolve, reject) => {
    const db = new Database(file);
    db.all('SELECT event_type FROM events ORDER BY id', (error, rows: { event_type: string }[]) =>
      db.close(() => (error ? reject(error) : resolve(rows.map((r) => r.event_type)))),
    );
  });
}

/**
 * Takes the events table's write lock on a connection of its own, as a long write would, until the
 * returned function is called: the service's next insert waits for it.
 */
export async function holdEventsWriteLock(dataDir: string): Promise<() => Promise<void>> {
  if (ADMIN_URL) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: databaseEnv(dataDir).MC_DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE "events" IN EXCLUSIVE MODE');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  }
  const { Database } = await import('sqlite3');
  const other = new Database(join(dataDir, 'metrics.db'));
  const run = (sql: string) =>
    new Promise<void>((resolve, reject) => other.run(sql, (error) => (error ? reject(error) : resolve())));
  await run('BEGIN IMMEDIATE');
  return async () => {
    await run('ROLLBACK');
    await new Promise<void>((resolve) => other.close(() => resolve()));
  };
}
