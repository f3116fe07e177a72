import JSON5 from 'json5';
import { isPlainObject } from '../common/json';
import { Secret } from '../config/gateways';
import { LocalGatewaySettings } from '../contracts/gateways';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { ModelPrice } from '../contracts/usage';

/** One agent of OpenClaw's roster, as openclaw.json configures it. */
export interface RosterAgent {
  id: string;
  name: string | null;
  emoji: string | null;
  /** `provider/model`, the agent's own or the default. */
  model: string | null;
  /** The agent's OpenClaw workspace folder, if configured. */
  workspace: string | null;
}

/** USD per million tokens. */
export interface OpenClawConfig {
  agents: RosterAgent[];
  /** `provider/model` → price. */
  prices: Map<string, ModelPrice>;
}

/**
 * Reads openclaw.json (JSON5 or plain JSON). Agents come either as a list `agents.list: [{id, …}]`
 * (what many real files hold, and what OpenClaw keeps on disk even after migrating it in memory) or as
 * the keyed map `agents.entries.<id>`. Anything malformed is skipped, never thrown, except a file that
 * is not JSON5 at all.
 */
export function parseOpenClawConfig(text: string): OpenClawConfig {
  const root: unknown = JSON5.parse(text);
  if (!isPlainObject(root)) throw new Error('openclaw.json is not an object');
  const agentsSection = isPlainObject(root.agents) ? root.agents : {};
  const defaults = isPlainObject(agentsSection.defaults) ? agentsSection.defaults : {};
  const defaultModel = modelName(defaults.model);

  const raw: [string, unknown][] = [];
  if (isPlainObject(agentsSection.entries)) raw.push(...Object.entries(agentsSection.entries));
  if (Array.isArray(agentsSection.list)) {
    for (const item of agentsSection.list)
      if (isPlainObject(item) && typeof item.id === 'string') raw.push([item.id, item]);
  }
  const agents = new Map<string, RosterAgent>();
  for (const [id, value] of raw) {
    if (!AGENT_ID_PATTERN.test(id) || agents.has(id)) continue;
    const entry = isPlainObject(value) ? value : {};
    const identity = isPlainObject(entry.identity) ? entry.identity : {};
    agents.set(id, {
      id,
      name: text_(identity.name) ?? text_(entry.name),
      emoji: text_(identity.emoji) ?? text_(entry.emoji),
      model: modelName(entry.model) ?? defaultModel,
      workspace: text_(entry.workspace),
    });
  }
  return { agents: [...agents.values()], prices: readPrices(root.models) };
}

/** `"provider/model"` or `{primary: "provider/model"}`. */
function modelName(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  return isPlainObject(value) ? text_(value.primary) : null;
}

function text_(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : null;
}

function readPrices(models: unknown): Map<string, ModelPrice> {
  const prices = new Map<string, ModelPrice>();
  const providers = isPlainObject(models) && isPlainObject(models.providers) ? models.providers : {};
  for (const [provider, config] of Object.entries(providers)) {
    const list = isPlainObject(config) && Array.isArray(config.models) ? config.models : [];
    for (const model of list) {
      if (!isPlainObject(model) || typeof model.id !== 'string' || !isPlainObject(model.cost)) continue;
      const cost = model.cost;
      prices.set(`${provider}/${model.id}`, {
        input: price(cost.input),
        output: price(cost.output),
        cacheRead: price(cost.cacheRead),
        cacheWrite: price(cost.cacheWrite),
      });
    }
  }
  return prices;
}

function price(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** OpenClaw's own default for gateway.port. */
const DEFAULT_GATEWAY_PORT = 18789;

/**
 * The local gateway openclaw.json describes: a `gateway` section not in `remote` mode, with its port
 * (18789 unless set) and `auth.token` or `auth.password`, a `${VAR}` of which is read from `env` as
 * OpenClaw does. Null when there is no such section.
 */
export function parseLocalGateway(text: string, env: NodeJS.ProcessEnv = process.env): LocalGatewaySettings | null {
  const root: unknown = JSON5.parse(text);
  const gateway = isPlainObject(root) && isPlainObject(root.gateway) ? root.gateway : null;
  if (!gateway || gateway.mode === 'remote') return null;
  const port =
    typeof gateway.port === 'number' && Number.isInteger(gateway.port) && gateway.port > 0 && gateway.port < 65536
      ? gateway.port
      : DEFAULT_GATEWAY_PORT;
  const auth = isPlainObject(gateway.auth) ? gateway.auth : {};
  const secret = (value: unknown) => {
    if (typeof value !== 'string' || !value.trim()) return null;
    const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim())?.[1];
    const resolved = variable ? env[variable] : value;
    return resolved ? new Secret(resolved) : null;
  };
  const token = secret(auth.token);
  const password = secret(auth.password);
  const preferPassword = auth.mode === 'password' && password;
  return {
    port,
    auth: preferPassword
      ? { kind: 'password', secret: password }
      : token
        ? { kind: 'token', secret: token }
        : password
          ? { kind: 'password', secret: password }
          : null,
  };
}
