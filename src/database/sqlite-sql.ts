/**
 * The SQL only SQLite speaks, as text fragments, so that services hold none of it and a second
 * engine means a second file like this one. Everything else is written for any engine (TypeORM's
 * query builder, its sql tag, namedQuery).
 */

/** Whole seconds since 1970 of an ISO 8601 text column. */
export const epochSeconds = (column: string) => `CAST(strftime('%s', ${column}) AS INTEGER)`;

/**
 * The table walked in id order with its other indexes ignored: for a range of ids SQLite would
 * otherwise choose the type or agent index, which walks the whole history to save a sort.
 */
export const inIdOrder = (table: string) => `"${table}" NOT INDEXED`;

/** The number at `$.key` of a JSON text column; NULL when the text is not JSON or holds no number there. */
export const jsonNumber = (column: string, key: string) =>
  `CASE WHEN json_valid(${column}) AND json_type(${column}, '$.${key}') IN ('integer', 'real') THEN CAST(json_extract(${column}, '$.${key}') AS REAL) END`;

/** The last id AUTOINCREMENT gave out in `table`, whatever was deleted since: O(1) where COUNT(*) walks every row. */
export const lastIssuedId = (table: string) => `SELECT "seq" FROM "sqlite_sequence" WHERE "name" = '${table}'`;
