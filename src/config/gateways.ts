import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, resolve } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseYaml } from 'yaml';

/** A token or password: printed, logged or serialised, it shows as [redacted]; `reveal()` is the one way in. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** One OpenClaw gateway to connect to, as MC_OPENCLAW_GATEWAYS lists it (or openclaw.json describes it). */
export interface GatewaySetting {
  id: string;
  url: string;
  label: string;
  agentPrefix: string;
  /** The shared secret: `token` (or `token_env`) goes in auth.token, `password_env` in auth.password. */
  auth: { kind: 'token' | 'password'; secret: { reveal(): string } } | null;
}

/** MC_OPENCLAW_GATEWAYS as read. `off`: no gateway at all, not even openclaw.json's. Problems never quote a secret. */
export interface GatewayList {
  off: boolean;
  file: string | null;
  gateways: GatewaySetting[];
  problems: string[];
}

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_GATEWAYS = 100;
const GATEWAY_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const AGENT_PREFIX = /^[A-Za-z0-9_.-]{0,32}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELDS = new Set(['id', 'url', 'token', 'token_env', 'password_env', 'label', 'agent_prefix']);

/**
 * MC_OPENCLAW_GATEWAYS: `off` (or an empty list) turns gateways off; JSON when it starts with `[` or `{`;
 * else the path of a JSON or YAML file. Either `[{id, url, …}, …]` or `{gateways: [...]}`.
 * `token_env` and `password_env` are read from `env` now, so that a missing variable stops the start.
 */
export function readGateways(setting: string, env: NodeJS.ProcessEnv = process.env): GatewayList {
  const text = setting.trim();
  if (text.toLowerCase() === 'off') return { off: true, file: null, gateways: [], problems: [] };
  if (text.startsWith('[') || text.startsWith('{')) return parseGateways(text, null, env);
  const file = resolve(text.replace(/^~(?=$|\/)/, homedir()));
  const failed = (problem: string): GatewayList => ({ off: false, file, gateways: [], problems: [problem] });
  try {
    const info = statSync(file);
    // Looked at before it is opened: a FIFO or a device would block the start.
    if (!info.isFile()) return failed(`MC_OPENCLAW_GATEWAYS (${file}) is not a regular file`);
    if (info.size > MAX_FILE_BYTES)
      return failed(`MC_OPENCLAW_GATEWAYS (${file}) is ${info.size} bytes, more than ${MAX_FILE_BYTES}`);
    return parseGateways(readFileSync(file, 'utf8'), file, env);
  } catch (error) {
    // A token set here by mistake is no path: it is not repeated.
    const shown = /[/\\]|\.(json|ya?ml)$/i.test(text) ? ` ${file}` : '';
    return failed(
      `MC_OPENCLAW_GATEWAYS must be off, the JSON itself (starting with [ or {) or the path of a JSON or YAML file; the file${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Checks every entry; each problem names the entry by its number and id, never a secret. */
export function parseGateways(text: string, file: string | null, env: NodeJS.ProcessEnv = process.env): GatewayList {
  const where = file ? `MC_OPENCLAW_GATEWAYS (${file})` : 'MC_OPENCLAW_GATEWAYS';
  const result: GatewayList = { off: false, file, gateways: [], problems: [] };
  let data: unknown;
  try {
    data = file && /^\.ya?ml$/i.test(extname(file)) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    // Parsers quote the text around a fault, which may be a token: only the position is kept.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const yamlAt = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const at = position ? lineAndColumn(text, +position) : yamlAt ? `line ${yamlAt.line}, column ${yamlAt.col}` : '';
    const kind = file && /^\.ya?ml$/i.test(extname(file)) ? 'YAML' : 'JSON';
    result.problems.push(`${where} is not valid ${kind}${at ? ` (at ${at})` : ''}`);
    return result;
  }
  const entries = Array.isArray(data) ? data : isObject(data) && Array.isArray(data.gateways) ? data.gateways : null;
  if (!entries) {
    result.problems.push(`${where} must be a list of {id, url, token | token_env | password_env, label, agent_prefix}`);
    return result;
  }
  if (entries.length === 0) return { ...result, off: true };
  if (entries.length > MAX_GATEWAYS)
    result.problems.push(`${where} lists ${entries.length} gateways, more than ${MAX_GATEWAYS}`);
  const ids = new Set<string>();
  const prefixes = new Map<string, string>();
  entries.slice(0, MAX_GATEWAYS).forEach((entry: unknown, index: number) => {
    const label = isObject(entry) && typeof entry.id === 'string' && GATEWAY_ID.test(entry.id) ? entry.id : null;
    const name = `entry ${index + 1}${label ? ` ("${label}")` : ''}`;
    const before = result.problems.length;
    const problem = (what: string) => result.problems.push(`${where}: ${name} ${what}`);
    if (!isObject(entry)) return problem('must be an object {id, url, …}');
    const unknown = Object.keys(entry).filter((key) => !FIELDS.has(key));
    if (unknown.length)
      problem(`has ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}: only ${[...FIELDS].join(', ')}`);
    const { id, url, token, token_env, password_env } = entry;
    if (typeof id !== 'string' || !GATEWAY_ID.test(id))
      problem(
        'needs an id of 1 to 32 lower-case letters, digits, dashes or underscores, starting with one of the first two',
      );
    else if (ids.has(id)) problem('repeats the id of an earlier gateway');
    else ids.add(id as string);
    const checkedUrl = typeof url === 'string' ? checkUrl(url) : 'needs a url, ws://host:port or wss://host:port';
    if (checkedUrl) problem(checkedUrl);
    const given = [token, token_env, password_env].filter((value) => value !== undefined).length;
    if (given > 1) problem('gives more than one of token, token_env and password_env: give one');
    let auth: GatewaySetting['auth'] = null;
    if (token !== undefined) {
      if (typeof token !== 'string' || !token || /\s/.test(token))
        problem('has a token that is empty, not a string or has spaces');
      else auth = { kind: 'token', secret: new Secret(token) };
    }
    for (const [field, kind] of [
      ['token_env', 'token'],
      ['password_env', 'password'],
    ] as const) {
      const variable = entry[field];
      if (variable === undefined) continue;
      if (typeof variable !== 'string' || !ENV_NAME.test(variable))
        problem(`has a ${field} that is not the name of an environment variable`);
      else if (!env[variable]) problem(`has ${field} ${variable}, which is not set`);
      else auth = { kind, secret: new Secret(env[variable] as string) };
    }
    const labelText = entry.label ?? id;
    if (entry.label !== undefined && (typeof labelText !== 'string' || !labelText.trim() || labelText.length > 100))
      problem('has a label that is not a text of 1 to 100 characters');
    const prefix = entry.agent_prefix ?? '';
    if (typeof prefix !== 'string' || !AGENT_PREFIX.test(prefix))
      problem('has an agent_prefix that is not up to 32 letters, digits, dots, dashes or underscores');
    // Only entries otherwise valid claim a prefix, so that one bad entry does not make its neighbours wrong too.
    if (result.problems.length === before && prefixes.has(prefix as string))
      problem(
        `has the agent_prefix "${prefix}" of "${prefixes.get(prefix as string)}": each gateway needs its own, so that every host's main stays distinct`,
      );
    else if (result.problems.length === before) prefixes.set(prefix as string, id as string);
    if (result.problems.length === before)
      result.gateways.push({
        id: id as string,
        url: (url as string).replace(/\/+$/, ''),
        label: (labelText as string).trim(),
        agentPrefix: prefix as string,
        auth,
      });
  });
  return result;
}

/** What is wrong with a gateway's URL, or null. Credentials in it are refused: they would show wherever it does. */
function checkUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'has a url that is not a URL (ws://host:port or wss://host:port)';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
    return `has a ${parsed.protocol.replace(':', '')} url; a gateway's is ws:// or wss://`;
  if (parsed.username || parsed.password)
    return 'has a url with credentials in it: give the secret as token_env or password_env';
  return null;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
