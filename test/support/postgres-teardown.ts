import { DATABASE_PREFIX, dropDatabase, psql } from './test-database';

/** Drops every database the tests created (and any an interrupted run left behind). */
export default function dropTestDatabases(): void {
  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin) return;
  const names = psql(admin, `SELECT datname FROM pg_database WHERE datname LIKE '${DATABASE_PREFIX}%'`)
    .split('\n')
    .filter(Boolean);
  for (const name of names) dropDatabase(admin, name);
}
