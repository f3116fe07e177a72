/**
 * OpenClaw plugin `mission-control`: forwards what OpenClaw's agents do (runs, model usage and cost,
 * tool calls, sessions, messages, subagents) to Mission Control's event log as it happens.
 *
 * It only observes: every handler maps its payload, queues the result and returns at once, and
 * nothing it does can throw into OpenClaw. Delivery happens in the background (see forwarder.ts).
 * Written against OpenClaw 2026.9.6's plugin API, with no import from OpenClaw, so the core can be
 * tested on its own.
 */
import { EventForwarder } from './forwarder.js';
import { PluginLogger, RateLimitedLog } from './log.js';
import { EventMapper, OBSERVED_HOOKS, ObservedHook } from './map-events.js';

/** The part of OpenClaw's `OpenClawPluginApi` the plugin uses. */
export interface PluginApi {
  pluginConfig?: Record<string, unknown>;
  logger?: PluginLogger;
  on(hook: string, handler: (event: unknown, ctx: unknown) => unknown): void;
  lifecycle?: { onDispose?: (dispose: () => void) => unknown };
}

export interface PluginConfig {
  url: string;
  token?: string;
  agentPrefix?: string;
  includeContent: boolean;
}

/** The plugin's config block, or a reason it cannot be used (OpenClaw checks the manifest schema too). */
export function parseConfig(raw: unknown): PluginConfig | string {
  const c = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  if (typeof c.url !== 'string' || !/^https?:\/\/[^/]/i.test(c.url))
    return 'config.url must be the http(s) URL of Mission Control';
  const optionalString = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    url: c.url,
    token: optionalString(c.token),
    agentPrefix: optionalString(c.agentPrefix),
    includeContent: c.includeContent === true,
  };
}

export default {
  id: 'mission-control',
  name: 'Mission Control',
  description:
    'Forwards agent runs, model usage and cost, tool calls, sessions, messages and subagents to Mission Control.',
  register(api: PluginApi): void {
    const log = new RateLimitedLog(api?.logger);
    try {
      const config = parseConfig(api.pluginConfig);
      if (typeof config === 'string') {
        log.error('config', `${config}; not forwarding anything`);
        return;
      }
      const forwarder = new EventForwarder({ url: config.url, token: config.token, logger: api.logger });
      const mapper = new EventMapper({ agentPrefix: config.agentPrefix, includeContent: config.includeContent });

      // A process that ends by running out of work (the forwarder's timers are unref'd) gets a last
      // flush. One that fails is not repeated, or the process would never exit. (The CLI's
      // `openclaw agent --local` ends with process.exit() instead: see flushSoon() below.)
      let exitFlushFailed = false;
      const onBeforeExit = () => {
        if (exitFlushFailed || forwarder.stats().pending === 0) return;
        void forwarder.shutdown().then((delivered) => {
          exitFlushFailed = !delivered;
        });
      };
      // Only once events flow: OpenClaw also registers plugins for discovery, whose hooks never fire.
      let watchingExit = false;
      const watchExit = () => {
        if (watchingExit) return;
        watchingExit = true;
        process.on('beforeExit', onBeforeExit);
      };
      api.lifecycle?.onDispose?.(() => process.off('beforeExit', onBeforeExit));

      const observe = (hook: ObservedHook) => (event: unknown, ctx: unknown) => {
        try {
          const mapped = mapper.map(hook, event, ctx);
          if (!mapped) return;
          watchExit();
          forwarder.enqueue(mapped);
          // llm_output comes a few ms after agent_end: the short delay of flushSoon() takes it along.
          if (hook === 'agent_end') forwarder.flushSoon();
        } catch (err) {
          log.warn(`map:${hook}`, `could not forward a ${hook} event: ${String(err)}`);
        }
      };
      for (const hook of OBSERVED_HOOKS) api.on(hook, observe(hook));

      // The Gateway awaits gateway_stop (5 s budget) before it exits or replaces the plugin.
      api.on('gateway_stop', () => forwarder.shutdown().then(() => undefined));
    } catch (err) {
      log.error('register', `could not start: ${String(err)}`);
    }
  },
};
