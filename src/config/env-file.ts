import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { knownVariables, noteEnvFileValues } from './environment';

/** An env file holds a few dozen lines; anything far larger is not one. */
export const MAX_ENV_FILE_BYTES = 1024 * 1024;

export interface EnvFileReport {
  /** The file read; null when MC_ENV_FILE is unset and there is no `.env`. */
  file: string | null;
  /** Variables it set. */
  applied: string[];
  /** Variables it holds that the environment sets too: the environment's values are kept. */
  kept: string[];
  /** MC_ names it holds that are no setting of Mission Control (misspelt, or from another version). */
  unknown: string[];
}

/**
 * Reads MC_ENV_FILE when set, else `.env` in the working directory (none is fine), into `env` before anything
 * reads it: a variable the environment sets to anything but empty wins over the file. The values are then
 * validated with the rest (validateEnvironment), and a bad one is reported with the file's name.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): EnvFileReport {
  const named = env.MC_ENV_FILE ? resolve(cwd, env.MC_ENV_FILE.replace(/^~(?=$|\/)/, homedir())) : null;
  const file = named ?? resolve(cwd, '.env');
  const what = named ? `MC_ENV_FILE (${file})` : file;
  let size: number;
  try {
    const info = statSync(file);
    // Looked at before it is opened: a FIFO or a device would block the start or never end.
    if (!info.isFile()) throw new Error('it is not a regular file');
    size = info.size;
  } catch (error) {
    if (!named && (error as NodeJS.ErrnoException).code === 'ENOENT')
      return { file: null, applied: [], kept: [], unknown: [] };
    throw new Error(`${what} cannot be read: ${(error as Error).message}`);
  }
  if (size > MAX_ENV_FILE_BYTES)
    throw new Error(`${what} is ${size} bytes, more than an env file's ${MAX_ENV_FILE_BYTES}`);
  let values: Record<string, string>;
  try {
    values = parse(readFileSync(file));
  } catch (error) {
    throw new Error(`${what} cannot be read: ${(error as Error).message}`);
  }
  const known = new Set(knownVariables());
  const report: EnvFileReport = { file, applied: [], kept: [], unknown: [] };
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith('MC_') && !known.has(name)) report.unknown.push(name);
    // An empty variable counts as unset, in the environment as in the file.
    if (env[name] !== undefined && env[name] !== '') report.kept.push(name);
    else {
      env[name] = value;
      report.applied.push(name);
    }
  }
  noteEnvFileValues(file, Object.fromEntries(report.applied.map((name) => [name, values[name]])));
  return report;
}

/** What a start says about the file: which variables it set, and which the environment overrode. Names only. */
export function describeEnvFile(report: EnvFileReport): { log: string | null; warning: string | null } {
  if (!report.file) return { log: null, warning: null };
  const kept = report.kept.length ? `; the environment's own ${report.kept.join(', ')} kept` : '';
  const warning = report.unknown.length
    ? `${report.file} sets ${report.unknown.join(', ')}, which Mission Control does not read (see Configuration in the README)`
    : null;
  return { log: `Read ${report.file}: ${report.applied.join(', ') || 'nothing'} set${kept}`, warning };
}
