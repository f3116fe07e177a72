import { spawn } from 'node:child_process';
import { POSTGRES_TABLES } from './migrations/postgres/1764500000000-PostgresSchema';

/** What a full backup's manifest says of a PostgreSQL database. */
export interface PostgresDumpInfo {
  engine: 'postgres';
  /** `pg_dump --version`, and the server's version, when the dump was made. */
  pg_dump_version?: string;
  server_version?: string;
  /** Why the backup holds no dump (pg_dump missing or failing). */
  skipped?: string;
}

/** A PostgreSQL client program that is not installed here. */
export class MissingProgramError extends Error {}

/** Runs a PostgreSQL client program; resolves with its output, rejects with its error output. */
function run(program: string, args: string[], url?: string): Promise<string> {
  // The password goes in the environment, not in the arguments every user of `ps` can read.
  const env = { ...process.env };
  if (url) {
    const parsed = new URL(url);
    if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
    parsed.password = '';
    args = [...args, `--dbname=${parsed.href}`];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' ? new MissingProgramError(`${program} is not installed (not found on PATH)`) : error,
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(out.trim())
        : reject(new Error(`${program} failed (exit ${code}): ${err.trim().slice(0, 2000)}`)),
    );
  });
}

/** Mission Control's own tables, and TypeORM's record of the migrations run on them. */
const DUMPED_TABLES = [...POSTGRES_TABLES, 'migrations'];

/**
 * A consistent copy (pg_dump takes one snapshot) of Mission Control's tables in pg_dump's custom
 * format, which pg_restore reads.
 */
export async function dumpPostgres(url: string, serverVersion: string, target: string): Promise<PostgresDumpInfo> {
  const version = await run('pg_dump', ['--version']);
  await run(
    'pg_dump',
    [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      `--file=${target}`,
      ...DUMPED_TABLES.map((t) => `--table=public."${t}"`),
    ],
    url,
  );
  return { engine: 'postgres', pg_dump_version: version, server_version: serverVersion };
}

/**
 * Replaces Mission Control's tables with those of a dump, in one transaction: on any error the
 * database stays as it was.
 */
export async function restorePostgres(url: string, dump: string): Promise<void> {
  await run(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', dump],
    url,
  );
}
