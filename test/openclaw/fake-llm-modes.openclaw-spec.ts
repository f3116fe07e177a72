import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayClient } from '@openclaw/gateway-client';
import { makeTempDir, removeDirs, waitFor } from '../support/app-harness';
import { FakeLlm, FakeLlmRequest, startFakeLlm } from './fake-llm';
import { AGENTS, freePort, OpenClaw, openclawInstalled, RunResult } from './openclaw-cli';

/**
 * The fake model's two modes for stopping and approving work (issue 32), against a real OpenClaw gateway
 * with `tools.exec.mode: "ask"`: a slow answer that a `sessions.abort` stops half-way, and an `exec` call of
 * a plain command that waits for a reviewer's decision and runs once allowed. The gateway is driven with
 * OpenClaw's own client as an operator.admin reviewer: live, a run started by the CLI can be stopped, and its
 * exec requests seen, only with operator.admin (or by the connection that started the run).
 */
const GATEWAY_TOKEN = 'fake-llm-modes-gateway-token';

describe('the fake model against a real OpenClaw gateway', () => {
  let llm: FakeLlm | undefined;
  let oc: OpenClaw | undefined;
  let home: string | undefined;
  let client: GatewayClient | undefined;
  const events: { at: number; event: string; payload: any }[] = [];

  beforeAll(async () => {
    if (!openclawInstalled())
      throw new Error('OpenClaw is not in .cache/openclaw-test: run `bash scripts/openclaw-cache.sh`');
    llm = await startFakeLlm(0);
    home = await makeTempDir('mc-openclaw-modes-');
    oc = new OpenClaw(home);
    const port = await freePort();
    await oc.writeConfig({
      llmUrl: llm.url,
      gatewayPort: port,
      gatewayToken: GATEWAY_TOKEN,
      agents: [AGENTS[0]],
      execAsk: true,
    });
    await oc.startGateway(port);
    await new Promise<void>((resolve, reject) => {
      client = new GatewayClient({
        url: `ws://127.0.0.1:${port}`,
        token: GATEWAY_TOKEN,
        clientName: 'gateway-client',
        mode: 'backend',
        role: 'operator',
        scopes: ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin'],
        caps: ['approvals'],
        onHelloOk: () => resolve(),
        onConnectError: reject,
        onEvent: (e) => events.push({ at: Date.now(), event: e.event, payload: e.payload }),
      });
      client.start();
    });
  }, 240_000);

  afterAll(async () => {
    client?.stop();
    await oc?.killAll();
    await llm?.close();
    await removeDirs(home);
  }, 60_000);

  const modelRequest = (match: (r: FakeLlmRequest) => boolean, ms: number, what: string) =>
    waitFor(async () => llm!.requests.find(match), ms, what);

  it('answers slowly, so that a run is stopped half-way by sessions.abort', async () => {
    const turn = oc!.turn('main', 'please answer slowly for 20 seconds', { sessionKey: 'agent:main:slow' });
    const request = await modelRequest((r) => /answer slowly/.test(r.lastUser), 120_000, 'the slow request');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const answer = await client!.request('sessions.abort', { key: 'agent:main:slow' });
    expect(answer).toMatchObject({ ok: true, status: 'aborted', abortedRunId: expect.any(String) });
    await waitFor(async () => request.endedAt, 10_000, 'the slow answer to end');
    expect(request.aborted).toBe(true);
    // Stopped well before its 20 s: the stream ends when OpenClaw lets go of it.
    expect(request.endedAt! - request.at).toBeLessThan(15_000);
    const result: RunResult & { json: any } = await turn;
    expect(result.json).toMatchObject({ status: 'timeout', summary: 'aborted' });
  }, 240_000);

  it('asks for an exec call of a plain command, which waits for a decision and runs once allowed', async () => {
    const file = join(home!, 'allowed-by-the-reviewer');
    const turn = oc!.turn('main', `please run the command: touch ${file}`, { sessionKey: 'agent:main:exec' });
    const requested = await waitFor(
      async () => events.find((e) => e.event === 'exec.approval.requested'),
      120_000,
      'exec.approval.requested',
    );
    expect(requested.payload.request).toMatchObject({
      command: `touch ${file}`,
      sessionKey: 'agent:main:exec',
      allowedDecisions: expect.arrayContaining(['allow-once', 'deny']),
    });
    expect(llm!.requests.filter((r) => r.tool === 'exec')).toHaveLength(1);
    expect(existsSync(file)).toBe(false);
    await client!.request('exec.approval.resolve', { id: requested.payload.id, decision: 'allow-once' });
    const result = await turn;
    expect(result.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    const after = llm!.requests.find((r) => r.toolResult !== undefined && r.users?.some((u) => u.includes(file)));
    expect(after?.toolResult).toBeDefined();
    expect(after?.toolResult).not.toMatch(/denied/i);
  }, 240_000);
});
