import type { EngineSql } from './engine-sql';

/** PostgreSQL's side of EngineSql. */
export const postgresSql: EngineSql = {
  // FLOOR, as strftime('%s') drops fractions of a second where a cast to bigint would round them.
  epochSeconds: (column) => `CAST(FLOOR(EXTRACT(EPOCH FROM CAST(${column} AS timestamptz))) AS bigint)`,
  inIdOrder: (table) => `"${table}"`,
  // Only Mission Control writes this database, always valid JSON (PostgreSQL 15 has no json_valid).
  jsonNumber: (column, key) =>
    `CASE WHEN jsonb_typeof(CAST(${column} AS jsonb) -> '${key}') = 'number' THEN CAST(CAST(${column} AS jsonb) ->> '${key}' AS double precision) END`,
  lastIssuedId: (table) => `SELECT CASE WHEN "is_called" THEN "last_value" ELSE 0 END AS "seq" FROM "${table}_id_seq"`,
  valuesList: (rows, columns) =>
    Array.from(
      { length: rows },
      (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`,
    ).join(', '),
  returningIds: ' RETURNING "id"',
  // Ids from a sequence shared by concurrent transactions need not be consecutive: each row says its own.
  insertedIds: (rows) => (rows as { id: number }[]).map((row) => Number(row.id)),
};

/**
 * PostgreSQL's advisory locks, held by a session until it unlocks or closes: the migrations' (one
 * instance at a time) and the cluster's leadership (see LeaderElection). `$1` is the lock's number.
 */
export const advisoryLockSql = {
  lock: 'SELECT pg_advisory_lock($1)',
  unlock: 'SELECT pg_advisory_unlock($1)',
  /** One row whose `ok` says whether the lock was free and is now held. */
  tryLock: 'SELECT pg_try_advisory_lock($1) AS ok',
  /** Whether the session still answers: a lock holder checks it lives. */
  ping: 'SELECT 1',
};
