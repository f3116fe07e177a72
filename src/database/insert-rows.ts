import { EntityManager } from 'typeorm';

/** The SQLite bundled with sqlite3 5 takes up to 32766 parameters per statement. */
const MAX_PARAMETERS = 32_000;

/** How many rows of `columnCount` columns one INSERT statement can take. */
export function rowsPerStatement(columnCount: number): number {
  return Math.max(1, Math.floor(MAX_PARAMETERS / columnCount));
}

/** One multi-row INSERT; at most rowsPerStatement(columns.length) rows. */
export function insertStatement<Row extends Record<string, unknown>>(table: string, columns: readonly (keyof Row & string)[], rows: Row[]): [string, unknown[]] {
  const placeholder = `(${columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${rows.map(() => placeholder).join(', ')}`;
  return [sql, rows.flatMap((row) => columns.map((c) => row[c] ?? null))];
}

/** The ids of the rows of one multi-row INSERT, given the last: SQLite gives them consecutive ids. */
export function insertedIds(lastId: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lastId - count + 1 + i);
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
  const ids: number[] = [];
  const perStatement = rowsPerStatement(columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const lastId: number = await manager.query(...insertStatement(table, columns, chunk));
    ids.push(...insertedIds(lastId, chunk.length));
  }
  return ids;
}
