import type { EngineSql } from './engine-sql';

/** SQLite's side of EngineSql. */
export const sqliteSql: EngineSql = {
  epochSeconds: (column) => `CAST(strftime('%s', ${column}) AS INTEGER)`,
  // With its other indexes ignored: for a range of ids SQLite would otherwise choose the type or agent
  // index, which walks the whole history to save a sort.
  inIdOrder: (table) => `"${table}" NOT INDEXED`,
  // Databases carried over from the Python version may hold anything in a data column.
  jsonNumber: (column, key) =>
    `CASE WHEN json_valid(${column}) AND json_type(${column}, '$.${key}') IN ('integer', 'real') THEN CAST(json_extract(${column}, '$.${key}') AS REAL) END`,
  // O(1) where COUNT(*) walks every row.
  lastIssuedId: (table) => `SELECT "seq" FROM "sqlite_sequence" WHERE "name" = '${table}'`,
  // Repeated rather than built per row: large groups write this list at every commit.
  valuesList: (rows, columns) => {
    const tuple = `(${'?, '.repeat(columns - 1)}?)`;
    return `${tuple}${`, ${tuple}`.repeat(rows - 1)}`;
  },
  returningIds: '',
  // The driver answers an INSERT with the last id, and SQLite gives one statement's rows consecutive ids.
  insertedIds: (lastId, count) => Array.from({ length: count }, (_, i) => (lastId as number) - count + 1 + i),
};
