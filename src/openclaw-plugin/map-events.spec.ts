import { AGENT_ID_PATTERN } from '../contracts/ids';
import { cutUtf8, EventMapper, OBSERVED_HOOKS } from './map-events';

// Payload shapes as OpenClaw 2026.9.6 sends them (seen in a real `openclaw agent --local` turn).
const agentCtx = {
  agentId: 'main',
  sessionKey: 'agent:main:main',
  sessionId: 'sess-1',
  runId: 'run-1',
  trigger: 'user',
};

describe('EventMapper', () => {
  it('maps a run: task_started on its first model call only, then task_completed', () => {
    const m = new EventMapper();
    const call = {
      runId: 'run-1',
      callId: 'c1',
      sessionKey: 'agent:main:main',
      sessionId: 'sess-1',
      provider: 'fake',
      model: 'm1',
    };
    const started = m.map('model_call_started', call, agentCtx);
    expect(started).toMatchObject({
      event_type: 'task_started',
      agent_id: 'main',
      data: {
        task_id: 'run-1',
        session_key: 'agent:main:main',
        session_id: 'sess-1',
        provider: 'fake',
        model: 'm1',
        source: 'openclaw',
      },
    });
    expect(Number.isNaN(Date.parse(started!.timestamp))).toBe(false);
    expect(m.map('model_call_started', { ...call, callId: 'c2' }, agentCtx)).toBeNull();

    const ended = m.map(
      'agent_end',
      { runId: 'run-1', messages: [{ role: 'user', content: 'hi' }], success: true, durationMs: 1234 },
      agentCtx,
    );
    expect(ended).toEqual({
      event_type: 'task_completed',
      agent_id: 'main',
      timestamp: expect.any(String),
      data: {
        task_id: 'run-1',
        duration_ms: 1234,
        session_key: 'agent:main:main',
        session_id: 'sess-1',
        source: 'openclaw',
      },
    });
  });

  it('maps a failed run to task_failed with the error cut to 500 characters', () => {
    const e = new EventMapper().map(
      'agent_end',
      { runId: 'r', success: false, error: 'x'.repeat(2000), durationMs: 5 },
      agentCtx,
    );
    expect(e?.event_type).toBe('task_failed');
    expect(e?.data.error).toBe('x'.repeat(500));
  });

  it('maps a run that OpenClaw calls a success but whose last answer is an error to task_failed', () => {
    const messages = [
      { role: 'user', content: 'please reject this' },
      { role: 'assistant', content: [], stopReason: 'error', errorMessage: '400 fake model: rejected' },
    ];
    const e = new EventMapper().map('agent_end', { runId: 'r', success: true, messages, durationMs: 126 }, agentCtx);
    expect(e).toMatchObject({ event_type: 'task_failed', data: { task_id: 'r', error: '400 fake model: rejected' } });
  });

  it('maps llm_output usage and cost to llm_usage', () => {
    const usage = {
      input: 1200,
      output: 8,
      cacheRead: 3,
      cacheWrite: 4,
      totalTokens: 1215,
      cost: { input: 0.0036, output: 0.00012, cacheRead: 0, cacheWrite: 0, total: 0.00372 },
    };
    const e = new EventMapper().map(
      'llm_output',
      { runId: 'run-1', sessionId: 'sess-1', provider: 'fake', model: 'm1', assistantTexts: ['secret answer'], usage },
      agentCtx,
    );
    expect(e).toMatchObject({
      event_type: 'llm_usage',
      agent_id: 'main',
      data: {
        provider: 'fake',
        model: 'm1',
        input_tokens: 1200,
        output_tokens: 8,
        cache_read_tokens: 3,
        cache_write_tokens: 4,
        cost_usd: 0.00372,
        session_key: 'agent:main:main',
        session_id: 'sess-1',
        run_id: 'run-1',
        source: 'openclaw',
      },
    });
    expect(JSON.stringify(e)).not.toContain('secret answer');
  });

  it('maps a tool call to its name and outcome only, never its arguments or result', () => {
    const m = new EventMapper({ includeContent: true });
    const ctx = { agentId: 'main', sessionKey: 'agent:main:main', toolName: 'exec', runId: 'run-1' };
    const ok = m.map(
      'after_tool_call',
      {
        toolName: 'exec',
        params: { command: 'cat /etc/secret' },
        result: 'top secret',
        durationMs: 42,
        runId: 'run-1',
      },
      ctx,
    );
    expect(ok?.data).toEqual({
      tool: 'exec',
      duration_ms: 42,
      ok: true,
      session_key: 'agent:main:main',
      run_id: 'run-1',
      source: 'openclaw',
    });
    const failed = m.map('after_tool_call', { toolName: 'exec', params: {}, error: 'exit code 1', durationMs: 3 }, ctx);
    expect(failed?.data).toMatchObject({ ok: false, error: 'exit code 1' });
    expect(JSON.stringify([ok, failed])).not.toMatch(/secret/);
  });

  it('maps sessions, subagents and messages, with the agent id from the session key when the context has none', () => {
    const m = new EventMapper();
    expect(
      m.map('session_start', { sessionId: 's1', sessionKey: 'agent:scout:main' }, { sessionId: 's1' }),
    ).toMatchObject({
      event_type: 'session_started',
      agent_id: 'scout',
      data: { session_key: 'agent:scout:main', session_id: 's1', source: 'openclaw' },
    });
    expect(
      m.map(
        'session_end',
        { sessionId: 's1', sessionKey: 'agent:scout:main', messageCount: 4, reason: 'idle' },
        { agentId: 'scout' },
      ),
    ).toMatchObject({
      event_type: 'session_ended',
      agent_id: 'scout',
      data: { reason: 'idle', message_count: 4, session_key: 'agent:scout:main' },
    });
    const spawnCtx = { runId: 'r2', childSessionKey: 'agent:scout:subagent:1', requesterSessionKey: 'agent:main:main' };
    expect(
      m.map(
        'subagent_spawned',
        {
          childSessionKey: 'agent:scout:subagent:1',
          agentId: 'scout',
          mode: 'run',
          runId: 'r2',
          threadRequested: false,
        },
        spawnCtx,
      ),
    ).toMatchObject({
      event_type: 'subagent_spawned',
      agent_id: 'main',
      data: {
        child_agent_id: 'scout',
        child_session_key: 'agent:scout:subagent:1',
        session_key: 'agent:main:main',
        mode: 'run',
        source: 'openclaw',
      },
    });
    expect(
      m.map(
        'subagent_ended',
        { targetSessionKey: 'agent:scout:subagent:1', targetKind: 'subagent', reason: 'done', outcome: 'ok' },
        spawnCtx,
      ),
    ).toMatchObject({
      event_type: 'subagent_ended',
      agent_id: 'main',
      data: { outcome: 'ok', child_session_key: 'agent:scout:subagent:1', session_key: 'agent:main:main' },
    });
    const msgCtx = { channelId: 'telegram', sessionKey: 'agent:main:telegram:42' };
    expect(m.map('message_received', { from: 'bob', content: 'hello', senderId: 'u1' }, msgCtx)).toEqual({
      event_type: 'message_received',
      agent_id: 'main',
      timestamp: expect.any(String),
      data: { session_key: 'agent:main:telegram:42', channel: 'telegram', run_id: null, source: 'openclaw' },
    });
    expect(m.map('message_sent', { to: 'bob', content: 'hi bob', success: true }, msgCtx)?.data).toMatchObject({
      success: true,
      session_key: 'agent:main:telegram:42',
    });
  });

  it('keeps message text out unless includeContent is on, then cuts it to 4 KiB', () => {
    const ctx = { channelId: 'c', sessionKey: 'agent:main:main' };
    const off = new EventMapper().map('message_received', { content: 'my password is hunter2' }, ctx);
    expect(JSON.stringify(off)).not.toContain('hunter2');
    const on = new EventMapper({ includeContent: true });
    expect(on.map('message_sent', { content: 'hunter2', success: true }, ctx)?.data.content).toBe('hunter2');
    const long = on.map('message_received', { content: 'é'.repeat(5000) }, ctx)?.data.content as string;
    expect(Buffer.byteLength(long)).toBe(4096);
    // Text that escaping would swell past Mission Control's 16 KiB data limit is left out, not sent to be refused.
    const swollen = on.map('message_received', { content: '\u0001'.repeat(4000) }, ctx)?.data;
    expect(swollen).toMatchObject({ content_omitted: true });
    expect(swollen).not.toHaveProperty('content');
  });

  it('prefixes agent ids and makes them valid Mission Control ids', () => {
    expect(
      new EventMapper({ agentPrefix: 'hostA-' }).map('agent_end', { success: true }, { agentId: 'main' })?.agent_id,
    ).toBe('hostA-main');
    const ids = ['we ird/agent:1', '-dash', '.dot', 'é', 'x'.repeat(300)].map(
      (agentId) => new EventMapper().map('agent_end', { success: true }, { agentId })?.agent_id,
    );
    expect(ids.slice(0, 3)).toEqual(['we-ird-agent-1', '_dash', '_dot']);
    for (const a of ids) expect(a).toMatch(AGENT_ID_PATTERN);
    expect(new EventMapper().map('agent_end', { success: true }, {})?.agent_id).toBeNull();
  });

  it('never throws on garbage payloads', () => {
    const garbage: unknown[] = [
      null,
      undefined,
      0,
      'text',
      [],
      [1],
      {},
      { usage: 'lots' },
      { usage: { input: 'many', cost: null } },
      { success: 'yes', error: { deep: 1 } },
      { runId: {}, sessionKey: 42, content: 7 },
    ];
    const m = new EventMapper({ includeContent: true, agentPrefix: 'p:' });
    for (const hook of OBSERVED_HOOKS) {
      for (const event of garbage) {
        for (const ctx of [null, 'ctx', {}, { agentId: 5, sessionKey: ['x'] }]) {
          const e = m.map(hook, event, ctx);
          if (e) {
            expect(typeof e.event_type).toBe('string');
            expect(e.agent_id === null || AGENT_ID_PATTERN.test(e.agent_id)).toBe(true);
            expect(e.data.source).toBe('openclaw');
          }
        }
      }
    }
  });
});

describe('cutUtf8', () => {
  it('cuts on a character boundary', () => {
    expect(cutUtf8('abc', 10)).toBe('abc');
    expect(cutUtf8('aé', 2)).toBe('a');
    expect(cutUtf8('a😀b', 5)).toBe('a😀');
  });
});
