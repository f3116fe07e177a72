import { readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isRole, Principal, ROLES } from '../contracts/roles';

/** One named token: who (the name, the actor of what it does), what it may do, and the secret. */
export interface NamedToken extends Principal {
  token: string;
}

/** MC_API_TOKENS as read: its tokens, or every problem found with them. Problems never quote a token. */
export interface ApiTokenList {
  /** The file read; null for inline JSON. */
  file: string | null;
  tokens: NamedToken[];
  problems: string[];
}

/** The name MC_API_TOKEN's token goes by; it has the admin role. */
export const LEGACY_TOKEN_NAME = 'MC_API_TOKEN';
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 512;
const MAX_TOKENS = 1000;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_PROBLEMS = 20;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;
/** Visible ASCII: what an Authorization header carries intact. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;
const FIELDS = new Set(['name', 'role', 'token']);

/**
 * MC_API_TOKENS: the JSON itself when it starts with `[` or `{`, else the path of a JSON file; either
 * `[{name, role, token}, …]` or `{tokens: [...]}`.
 */
export function readApiTokens(setting: string): ApiTokenList {
  const text = setting.trim();
  if (text.startsWith('[') || text.startsWith('{')) return parseApiTokens(text, null);
  const file = resolve(text.replace(/^~(?=$|\/)/, homedir()));
  const failed = (problem: string): ApiTokenList => ({ file, tokens: [], problems: [problem] });
  let size: number;
  try {
    const info = statSync(file);
    // Looked at before it is opened: a FIFO or a device would block the start.
    if (!info.isFile()) return failed(`MC_API_TOKENS (${file}) is not a regular file`);
    size = info.size;
  } catch (error) {
    // A token set here by mistake is no path: it is not repeated.
    const shown = /[/\\]|\.json$/i.test(text) ? ` ${file}` : '';
    return failed(
      `MC_API_TOKENS must be the path of a JSON file or the JSON itself (starting with [ or {); the file${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > MAX_FILE_BYTES)
    return failed(`MC_API_TOKENS (${file}) is ${size} bytes, more than a token file's ${MAX_FILE_BYTES}`);
  try {
    return parseApiTokens(readFileSync(file, 'utf8'), file);
  } catch (error) {
    return failed(`MC_API_TOKENS (${file}) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Checks every entry; each problem names the entry by its number and name, never by its token. */
export function parseApiTokens(text: string, file: string | null): ApiTokenList {
  const where = file ? `MC_API_TOKENS (${file})` : 'MC_API_TOKENS';
  const result: ApiTokenList = { file, tokens: [], problems: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the fault, which may be a token: only the position is kept.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    result.problems.push(`${where} is not valid JSON${position ? ` (at ${lineAndColumn(text, +position)})` : ''}`);
    return result;
  }
  const entries = Array.isArray(data) ? data : isObject(data) && Array.isArray(data.tokens) ? data.tokens : null;
  if (!entries) {
    result.problems.push(`${where} must be a list of {name, role, token}, or an object whose "tokens" is one`);
    return result;
  }
  if (entries.length === 0) result.problems.push(`${where} lists no token`);
  if (entries.length > MAX_TOKENS)
    result.problems.push(`${where} lists ${entries.length} tokens, more than ${MAX_TOKENS}`);
  const names = new Map<string, string>();
  const secrets = new Map<string, string>();
  entries.slice(0, MAX_TOKENS).forEach((entry: unknown, index: number) => {
    const problem = (what: string) => result.problems.push(`${where}: ${label(entry, index)} ${what}`);
    if (!isObject(entry)) return problem('must be an object {name, role, token}');
    const unknown = Object.keys(entry).filter((key) => !FIELDS.has(key));
    if (unknown.length > 0)
      problem(
        `has ${unknown.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}: only name, role and token are read`,
      );
    const { name, role, token } = entry;
    let valid = true;
    if (typeof name !== 'string' || !TOKEN_NAME.test(name)) {
      valid = false;
      problem(
        'needs a name of 1 to 64 letters, digits, dots, dashes, underscores, @ or colons, starting with a letter or digit',
      );
    } else if (names.has(name.toLowerCase())) {
      valid = false;
      problem(
        `repeats the name of an earlier token ("${names.get(name.toLowerCase())}"): names must differ, ignoring case`,
      );
    } else names.set(name.toLowerCase(), name);
    if (!isRole(role)) {
      valid = false;
      const given = typeof role === 'string' ? `"${role.slice(0, 40)}"` : role === undefined ? 'none' : typeof role;
      problem(`has the role ${given}; a role is one of ${ROLES.join(', ')}`);
    }
    const tokenProblem = checkToken(token);
    if (tokenProblem) {
      valid = false;
      problem(tokenProblem);
    } else if (secrets.has(token as string)) {
      valid = false;
      problem(`has the same token as "${secrets.get(token as string)}": each name needs its own token`);
    } else secrets.set(token as string, typeof name === 'string' ? name : `entry ${index + 1}`);
    if (valid) result.tokens.push({ name: name as string, role: role as NamedToken['role'], token: token as string });
  });
  if (result.problems.length > MAX_PROBLEMS) {
    const more = result.problems.length - MAX_PROBLEMS;
    result.problems.splice(MAX_PROBLEMS, more, `${where}: and ${more} more problems`);
  }
  return result;
}

/** What is wrong with a token (without quoting it), or null. */
function checkToken(token: unknown): string | null {
  if (token === undefined) return 'has no token';
  if (typeof token !== 'string') return `has a token that is a ${token === null ? 'null' : typeof token}, not a string`;
  if (token === '') return 'has an empty token';
  if (!TOKEN_TEXT.test(token)) return 'has a token with spaces or characters other than visible ASCII';
  if (token.length < MIN_TOKEN_LENGTH)
    return `has a token of ${token.length} characters, too short to be a secret: at least ${MIN_TOKEN_LENGTH} (openssl rand -hex 24 makes one)`;
  if (token.length > MAX_TOKEN_LENGTH)
    return `has a token of ${token.length} characters, more than ${MAX_TOKEN_LENGTH}`;
  return null;
}

/**
 * What MC_API_TOKENS and the other settings disagree on: MC_API_TOKEN repeating a listed token or its
 * name, and a token file inside the workspace, whose files the files API serves to anyone and backups copy.
 */
export function apiTokenConflicts(
  list: ApiTokenList | undefined,
  legacy: string | undefined,
  workspace: string,
): string[] {
  if (!list) return [];
  const problems: string[] = [];
  if (legacy !== undefined) {
    if (list.tokens.some((t) => t.name.toLowerCase() === LEGACY_TOKEN_NAME.toLowerCase()))
      problems.push(`MC_API_TOKENS names a token ${LEGACY_TOKEN_NAME}, the name MC_API_TOKEN's own token goes by`);
    const same = list.tokens.find((t) => t.token === legacy);
    if (same)
      problems.push(`MC_API_TOKEN is also the token of "${same.name}" in MC_API_TOKENS: each name needs its own token`);
  }
  if (list.file && isInside(realOrSame(workspace), realOrSame(list.file)))
    problems.push(
      `MC_API_TOKENS (${list.file}) is inside MC_WORKSPACE, whose files the files API serves and backups copy: keep it elsewhere`,
    );
  return problems;
}

/** Every token the service takes: MC_API_TOKENS's, and MC_API_TOKEN as the admin token of that name. */
export function allApiTokens(list: ApiTokenList | undefined, legacy: string | undefined): NamedToken[] {
  const tokens = [...(list?.tokens ?? [])];
  if (legacy !== undefined) tokens.push({ name: LEGACY_TOKEN_NAME, role: 'admin', token: legacy });
  return tokens;
}

function label(entry: unknown, index: number): string {
  const name = isObject(entry) ? entry.name : undefined;
  return typeof name === 'string' && TOKEN_NAME.test(name) ? `entry ${index + 1} ("${name}")` : `entry ${index + 1}`;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
