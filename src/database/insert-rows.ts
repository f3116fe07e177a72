import { EntityManager } from 'typeorm';

/** SQLite (as bundled with sqlite3 5) takes up to 32766 parameters per statement; stay well below. */
const MAX_PARAMETERS = 8000;

/**
 * Inserts plain rows with multi-row INSERT statements (much faster than TypeORM's entity insert,
 * which re-reads every row) and returns the new ids in order. Run it inside a transaction:
 * SQLite gives one connection's multi-row INSERT consecutive ids, and the driver returns the last.
 */
export async function insertRows<Row extends Record<string, unknown>>(
  manager: EntityManager,
  table: string,
  columns: (keyof Row & string)[],
  rows: Row[],
): Promise<number[]> {
  const ids: number[] = [];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const columnList = columns.map((c) => `"${c}"`).join(', ');
  const placeholder = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params = chunk.flatMap((row) => columns.map((c) => row[c] ?? null));
    const lastId: number = await manager.query(
      `INSERT INTO "${table}" (${columnList}) VALUES ${chunk.map(() => placeholder).join(', ')}`,
      params,
    );
    for (let j = 0; j < chunk.length; j++) ids.push(lastId - chunk.length + 1 + j);
  }
  return ids;
}
