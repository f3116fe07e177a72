import { DataSource } from 'typeorm';

/**
 * Runs SQL written with `:named` parameters on either engine: the driver writes its own placeholders
 * (`?` for SQLite, `$1` for PostgreSQL), as TypeORM's query builder does. For statements whose text
 * is assembled from fragments (a `WHERE` used twice in a `UNION`), where the `sql` tag cannot follow.
 */
export function namedQuery<T = Record<string, unknown>[]>(
  db: DataSource,
  sql: string,
  params: Record<string, unknown>,
): Promise<T> {
  const [query, values] = db.driver.escapeQueryWithParameters(sql, params, {});
  return db.query(query, values);
}
