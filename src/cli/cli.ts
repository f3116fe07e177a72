#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * mission-control <command> (npm run cli -- <command> in the project): backups from the command line,
 * through the same services as the API. It runs compiled (dist/cli/cli.js, the package's bin), not through
 * ts-node, which would compile the TypeScript at each start (npm run bench:cli).
 * The bin runs Node as `npm run cli` does, with a small young generation, which lowers a backup's peak
 * (V8 sizes it at start only, hence `env -S`).
 *
 *   backup [--type full|agent_state|snapshot] [--agent ID] [--allow-empty]
 *   list
 *   verify ID
 *   restore ID [--agent ID] [--with-database]
 *   export ID FILE
 *   import FILE
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { copyFile, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { Progress } from '../backups/backup-archive';
import { BACKUP_ID_PATTERN, countOf, humanSize } from '../backups/backup-names';
import { BACKUP_TYPES, BackupType } from '../contracts/backups';
import { BackupsService } from '../backups/backups.service';
import { RestoreService } from '../backups/restore.service';
import { describeEnvFile, loadEnvFile } from '../config/env-file';
import { validateEnvironment } from '../config/environment';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { CliModule } from './cli.module';
import { DatabaseRestore } from './database-restore';

const USAGE = `Usage: mission-control <command>   (in the project folder: npm run cli -- <command>)
  backup [--type full|agent_state|snapshot] [--agent ID]   make a backup (full by default)
         [--allow-empty]                                   even of a workspace that does not exist (the database alone)
  list                                                     list backups, newest first
  verify ID                                                check a backup against its manifest
  restore ID [--agent ID] [--with-database]                restore the workspace (or one agent; the database only with the service stopped)
  export ID FILE                                           copy a backup out
  import FILE                                              check a backup file and list it`;

class UsageError extends Error {}

/**
 * A progress bar: on a terminal, redrawn at most 10 times a second; into a log, a line every 2 s and one at the end.
 */
function progressBar(): { update(p: Progress): void; stop(): void } {
  const bar = new SingleBar({
    format: '[{bar}] {percentage}%  {done} / {total_size}  {value}/{total} files',
    barCompleteChar: '#',
    barIncompleteChar: '.',
    fps: 10,
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  let started = false;
  return {
    update(p) {
      const sizes = { done: humanSize(p.bytes), total_size: humanSize(p.totalBytes) };
      if (!started) bar.start(p.totalFiles, p.files, sizes);
      started = true;
      bar.update(p.files, sizes);
    },
    stop: () => bar.stop(),
  };
}

function checked(value: string | undefined, pattern: RegExp, what: string): string {
  if (!value || !pattern.test(value))
    throw new UsageError(`${what} is missing or malformed${value ? `: "${value}"` : ''}`);
  return value;
}

async function withServices<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    await app.get(BackupsService).whenReconciled();
    return await work(app);
  } finally {
    await app.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      agent: { type: 'string' },
      'with-database': { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) return void console.log(USAGE);
  // The service's .env (or MC_ENV_FILE), read the same way; warnings go to stderr, away from the output.
  const envFile = describeEnvFile(loadEnvFile());
  if (envFile.warning) console.error(`Warning: ${envFile.warning}`);
  const agent = values.agent === undefined ? null : checked(values.agent, AGENT_ID_PATTERN, 'The agent id');

  switch (command) {
    case 'backup': {
      const type = (values.type ?? (agent ? 'agent_state' : 'full')) as BackupType;
      if (!BACKUP_TYPES.includes(type)) throw new UsageError(`--type must be one of ${BACKUP_TYPES.join(', ')}`);
      if (type === 'agent_state' && !agent) throw new UsageError('An agent_state backup needs --agent ID');
      if (type === 'agent_state' && values['allow-empty'])
        throw new UsageError(
          "--allow-empty is for full and snapshot backups: an agent_state backup needs the agent's folder",
        );
      const bar = progressBar();
      const backup = await withServices(async (app) => {
        if (type !== 'agent_state' && !values['allow-empty'])
          await refuseMissingWorkspace(app.get(WorkspaceService).missionControlDir, type);
        // The one command that needs the parsed workspace reads it here, not at every start.
        if (type === 'snapshot') await app.get(WorkspaceService).scan();
        return app.get(BackupsService).create(type, agent, 'manual', (p) => bar.update(p));
      }).finally(() => bar.stop());
      return void console.log(
        `Backup ${backup.id} made and verified: ${backup.file}, ${humanSize(backup.size_bytes)}, ${countOf(backup.file_count, 'file')}, ${backup.integrity_hash}`,
      );
    }
    case 'list': {
      const backups = await withServices((app) => app.get(BackupsService).list());
      if (!backups.length) return void console.log('No backups yet.');
      for (const b of backups)
        console.log(
          [
            b.id.padEnd(18),
            b.type.padEnd(11),
            (b.agent_id ?? '-').padEnd(14),
            b.created_at,
            humanSize(b.size_bytes).padStart(9),
            b.status,
            b.trigger,
          ].join('  '),
        );
      return;
    }
    case 'verify': {
      const id = checked(rest[0], BACKUP_ID_PATTERN, 'The backup id');
      const result = await withServices((app) => app.get(BackupsService).verify(id));
      if (!result.valid) throw new Error(`Backup ${id} is damaged:\n  - ${result.errors.join('\n  - ')}`);
      return void console.log(
        `Backup ${id} is valid: ${countOf(result.checked_files, 'file')} ${result.checked_files === 1 ? 'matches' : 'match'} the manifest.`,
      );
    }
    case 'restore':
      return restore(checked(rest[0], BACKUP_ID_PATTERN, 'The backup id'), agent, values['with-database'] === true);
    case 'export': {
      const id = checked(rest[0], BACKUP_ID_PATTERN, 'The backup id');
      if (!rest[1]) throw new UsageError('export needs the file to write');
      const target = resolve(rest[1]);
      const backup = await withServices((app) => app.get(BackupsService).get(id));
      const source = join(validateEnvironment(process.env).MC_BACKUP_DIR, backup.file);
      await copyFile(source, `${target}.partial`);
      await rename(`${target}.partial`, target);
      return void console.log(
        `Backup ${id} written to ${target} (${humanSize((await stat(target)).size)}, ${backup.integrity_hash})`,
      );
    }
    case 'import': {
      if (!rest[0]) throw new UsageError('import needs the file to read');
      const config = validateEnvironment(process.env);
      // Imports consume their file: work on a copy in the backup folder, as an upload would be.
      const copy = join(config.MC_BACKUP_DIR, `.upload-cli-${process.pid}`);
      const backup = await withServices(async (app) => {
        await copyFile(resolve(rest[0]), copy);
        return app.get(BackupsService).import(copy);
      });
      return void console.log(
        `Imported ${rest[0]} as backup ${backup.id} (${backup.type}, ${countOf(backup.file_count, 'file')}, ${backup.integrity_hash})`,
      );
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

/**
 * A backup of a workspace that is not there would hold only the database (or a snapshot of no agents) and
 * still be reported made: most often MC_WORKSPACE is unset or wrong in this shell.
 */
async function refuseMissingWorkspace(missionControlDir: string, type: BackupType): Promise<void> {
  if (
    await stat(missionControlDir).then(
      (s) => s.isDirectory(),
      () => false,
    )
  )
    return;
  const left = type === 'snapshot' ? 'no agents' : 'only the database';
  throw new Error(
    `The workspace ${missionControlDir} does not exist (MC_WORKSPACE is ${dirname(missionControlDir)}): the backup would hold ${left}. ` +
      'Set MC_WORKSPACE to the OpenClaw workspace, or pass --allow-empty to make it anyway',
  );
}

/** Files through the service; the database only offline (see DatabaseRestore). */
async function restore(id: string, agent: string | null, withDatabase: boolean): Promise<void> {
  if (withDatabase && agent) throw new UsageError('--with-database restores a whole backup: leave out --agent');
  const database = withDatabase ? new DatabaseRestore(validateEnvironment(process.env)) : null;
  try {
    const result = await withServices(async (app) => {
      await database?.stage(app, id);
      return app.get(RestoreService).restore(id, agent);
    });
    console.log(
      `${result.message}: ${countOf(result.restored_files, 'file')}. Safety backup: ${result.safety_backup_id}`,
    );
    if (database) console.log(`${await database.apply()} restored from backup ${id}.`);
  } finally {
    await database?.discard();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`${error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `Failed: ${error.message}`}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
