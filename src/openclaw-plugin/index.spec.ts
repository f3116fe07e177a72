import plugin, { parseConfig, PluginApi } from './index';
import { OBSERVED_HOOKS } from './map-events';
import { TestServer, waitFor } from './test-server';

type Handler = (event: unknown, ctx: unknown) => unknown;

/** A stand-in for OpenClaw's plugin api: records what register() does with it. */
function fakeApi(pluginConfig: unknown) {
  const handlers = new Map<string, Handler>();
  const logs: string[] = [];
  const disposers: (() => void)[] = [];
  const api: PluginApi = {
    pluginConfig: pluginConfig as Record<string, unknown>,
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    on: (hook, handler) => handlers.set(hook, handler),
    lifecycle: { onDispose: (dispose) => disposers.push(dispose) },
  };
  return { api, handlers, logs, dispose: () => disposers.forEach((d) => d()) };
}

describe('the mission-control plugin', () => {
  let server: TestServer;
  beforeEach(async () => (server = await TestServer.start()));
  afterEach(() => server.close());

  it('forwards hook events to Mission Control, flushing on gateway_stop', async () => {
    const { api, handlers, dispose } = fakeApi({ url: server.url, token: 'tok', agentPrefix: 'hostA-' });
    plugin.register(api);
    expect([...handlers.keys()].sort()).toEqual([...OBSERVED_HOOKS, 'gateway_stop'].sort());

    const ctx = { agentId: 'main', sessionKey: 'agent:main:main', sessionId: 's1' };
    handlers.get('model_call_started')!({ runId: 'r1', callId: 'c1', provider: 'fake', model: 'm1' }, ctx);
    handlers.get('message_received')!(
      { from: 'bob', content: 'private words' },
      { channelId: 'x', sessionKey: 'agent:main:main' },
    );
    handlers.get('llm_output')!(
      {
        runId: 'r1',
        provider: 'fake',
        model: 'm1',
        assistantTexts: ['private answer'],
        usage: { input: 10, output: 2, cost: { total: 0.5 } },
      },
      ctx,
    );
    handlers.get('agent_end')!({ runId: 'r1', success: true, durationMs: 900, messages: ['private'] }, ctx);
    await handlers.get('gateway_stop')!({ reason: 'test' }, {});
    dispose();

    const events = server.delivered();
    expect(events.map((e) => e.event_type)).toEqual([
      'task_started',
      'message_received',
      'llm_usage',
      'task_completed',
    ]);
    expect(events.every((e) => e.agent_id === 'hostA-main')).toBe(true);
    expect(server.received[0].headers.authorization).toBe('Bearer tok');
    expect(JSON.stringify(events)).not.toContain('private');
  });

  it('sends a turn right after agent_end, with the llm_output that follows it', async () => {
    const { api, handlers, dispose } = fakeApi({ url: server.url });
    plugin.register(api);
    const ctx = { agentId: 'main', sessionKey: 'agent:main:main', sessionId: 's1', runId: 'r1' };
    handlers.get('model_call_started')!({ runId: 'r1', callId: 'c1' }, ctx);
    handlers.get('agent_end')!({ runId: 'r1', success: false, error: 'LLM request failed', durationMs: 20 }, ctx);
    handlers.get('llm_output')!({ runId: 'r1', usage: { input: 1, output: 1 } }, ctx);
    const start = Date.now();
    await waitFor(() => server.received.length > 0, 2000);
    dispose();
    expect(Date.now() - start).toBeLessThan(500);
    expect(server.received).toHaveLength(1);
    expect(server.delivered().map((e) => e.event_type)).toEqual(['task_started', 'task_failed', 'llm_usage']);
    expect(server.delivered()[1].data.error).toBe('LLM request failed');
  });

  it('returns at once and throws nothing into the host, whatever the hooks are given', () => {
    const { api, handlers, logs, dispose } = fakeApi({ url: server.url });
    plugin.register(api);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    const withThrowingGetter = Object.defineProperty({}, 'runId', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const payloads: unknown[] = [
      null,
      undefined,
      42,
      'x',
      [],
      {},
      { usage: null },
      hostile,
      withThrowingGetter,
      Symbol('s'),
    ];
    for (const hook of OBSERVED_HOOKS) {
      for (const event of payloads) {
        for (const ctx of [undefined, null, {}, hostile, 7]) {
          expect(handlers.get(hook)!(event, ctx)).toBeUndefined();
        }
      }
    }
    dispose();
    // The handler errors were logged, once per hook at most.
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThanOrEqual(OBSERVED_HOOKS.length);
  });

  it('registers nothing and says why when the config has no usable url', () => {
    for (const config of [undefined, {}, { url: 'ftp://x' }, { url: 42 }]) {
      const { api, handlers, logs } = fakeApi(config);
      plugin.register(api);
      expect(handlers.size).toBe(0);
      expect(logs[0]).toMatch(/config\.url/);
    }
    expect(() => plugin.register(null as unknown as PluginApi)).not.toThrow();
  });

  it('reads the config block', () => {
    expect(parseConfig({ url: 'http://mc:8080', token: '', includeContent: 'yes' })).toEqual({
      url: 'http://mc:8080',
      token: undefined,
      agentPrefix: undefined,
      includeContent: false,
    });
    expect(parseConfig({ url: 'https://mc', token: 't', agentPrefix: 'a-', includeContent: true })).toMatchObject({
      token: 't',
      agentPrefix: 'a-',
      includeContent: true,
    });
  });
});
