import { DataSource } from 'typeorm';
import { postgresSql } from './postgres-sql';
import { sqliteSql } from './sqlite-sql';

/**
 * The SQL that differs between the two engines, as text fragments, so that services hold none of it:
 * one implementation per engine (sqlite-sql.ts, postgres-sql.ts). Everything else is written for
 * both (TypeORM's query builder, its sql tag, namedQuery).
 */
export interface EngineSql {
  /** Whole seconds since 1970 of an ISO 8601 text column. */
  epochSeconds(column: string): string;
  /** The table, read in id order for a range of ids (see sqlite-sql.ts for why SQLite needs telling). */
  inIdOrder(table: string): string;
  /** The number at `$.key` of a JSON text column; NULL when it holds no number there. */
  jsonNumber(column: string, key: string): string;
  /** A query whose one row's `seq` is the last id given out in `table`, whatever was deleted since. */
  lastIssuedId(table: string): string;
  /** The VALUES list of a multi-row INSERT: `rows` tuples of `columns` placeholders, numbered in order. */
  valuesList(rows: number, columns: number): string;
  /** What ends a multi-row INSERT whose new ids insertedIds reads from its result. */
  returningIds: string;
  /** The ids of the `count` rows of one multi-row INSERT, in the order of its VALUES. */
  insertedIds(result: unknown, count: number): number[];
}

export function engineSql(db: DataSource): EngineSql {
  return db.options.type === 'postgres' ? postgresSql : sqliteSql;
}
