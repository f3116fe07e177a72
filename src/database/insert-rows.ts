import { EntityManager } from 'typeorm';
import { EngineSql, engineSql } from './engine-sql';

/** Under both engines' limits: 32,766 parameters per statement for SQLite's, 65,535 for PostgreSQL. */
const MAX_PARAMETERS = 32_000;

/** How many rows of `columnCount` columns one INSERT statement can take. */
export function rowsPerStatement(columnCount: number): number {
  return Math.max(1, Math.floor(MAX_PARAMETERS / columnCount));
}

/**
 * One multi-row INSERT that answers with the new ids (read them with
 * `sql.insertedIds`); at most rowsPerStatement(columns.length) rows.
 */
export function insertStatement<Row extends Record<string, unknown>>(
  sql: EngineSql,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: Row[],
): [string, unknown[]] {
  const statement = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${sql.valuesList(rows.length, columns.length)}${sql.returningIds}`;
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of columns) parameters.push(row[column] ?? null);
  return [statement, parameters];
}

/**
 * Inserts plain rows with multi-row INSERT statements (much faster than TypeORM's entity insert,
 * which re-reads every row) and returns the new ids in order. Run it inside a transaction.
 */
export async function insertRows<Row extends Record<string, unknown>>(
  manager: EntityManager,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: Row[],
): Promise<number[]> {
  const sql = engineSql(manager.connection);
  const ids: number[] = [];
  const perStatement = rowsPerStatement(columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    ids.push(...sql.insertedIds(await manager.query(...insertStatement(sql, table, columns, chunk)), chunk.length));
  }
  return ids;
}
