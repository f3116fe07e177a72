import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { readGateways } from './gateways';

const SECRET = 'a-gateway-secret-0123456789';
const env = { GW_TOKEN: SECRET, GW_PASSWORD: 'pw-secret-9876543210' };

describe('MC_OPENCLAW_GATEWAYS', () => {
  it('reads inline JSON with token, token_env and password_env, keeping secrets out of print', () => {
    const list = readGateways(
      JSON.stringify([
        { id: 'a', url: 'ws://10.0.0.2:18789/', token: SECRET, label: 'A', agent_prefix: 'a-' },
        { id: 'b', url: 'wss://b.example', token_env: 'GW_TOKEN', agent_prefix: 'b-' },
        { id: 'c', url: 'ws://c:1', password_env: 'GW_PASSWORD' },
      ]),
      env,
    );
    expect(list.problems).toEqual([]);
    expect(list.gateways.map((g) => [g.id, g.url, g.label, g.agentPrefix, g.auth?.kind])).toEqual([
      ['a', 'ws://10.0.0.2:18789', 'A', 'a-', 'token'],
      ['b', 'wss://b.example', 'b', 'b-', 'token'],
      ['c', 'ws://c:1', 'c', '', 'password'],
    ]);
    expect(list.gateways[1].auth?.secret.reveal()).toBe(SECRET);
    for (const shown of [JSON.stringify(list), inspect(list, { depth: 9 }), `${list.gateways[0].auth?.secret}`])
      expect(shown).not.toContain(SECRET);
  });

  it('is off for "off" and for an empty list', () => {
    expect(readGateways('off')).toMatchObject({ off: true, gateways: [], problems: [] });
    expect(readGateways(' [] ')).toMatchObject({ off: true, problems: [] });
  });

  it('reads a YAML file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mc-gw-')), 'gateways.yaml');
    writeFileSync(
      file,
      `gateways:\n  - id: studio\n    url: ws://studio:18789\n    token_env: GW_TOKEN\n    agent_prefix: studio-\n`,
    );
    expect(readGateways(file, env)).toMatchObject({ file, problems: [], gateways: [{ id: 'studio' }] });
  });

  it('names each bad entry and never quotes a secret', () => {
    const list = readGateways(
      JSON.stringify([
        { id: 'Bad Id', url: 'http://x', token: SECRET },
        { id: 'a', url: `ws://user:${SECRET}@host`, token: SECRET, token_env: 'GW_TOKEN' },
        { id: 'a', url: 'ws://h', token_env: 'NOT_SET_ANYWHERE', agent_prefix: 'z-' },
        { id: 'b', url: 'ws://h', agent_prefix: 'x/', extra: 1 },
        { id: 'c', url: 'ws://h' },
        { id: 'd', url: 'ws://h' },
      ]),
      env,
    );
    expect(list.gateways.map((g) => g.id)).toEqual(['c']);
    const text = list.problems.join('\n');
    expect(text).not.toContain(SECRET);
    expect(list.problems).toEqual([
      expect.stringMatching(/entry 1 needs an id/),
      expect.stringMatching(/entry 1 has a http url/),
      expect.stringMatching(/entry 2 \("a"\) has a url with credentials/),
      expect.stringMatching(/entry 2 \("a"\) gives more than one of token/),
      expect.stringMatching(/entry 3 \("a"\) repeats the id/),
      expect.stringMatching(/entry 3 \("a"\) has token_env NOT_SET_ANYWHERE, which is not set/),
      expect.stringMatching(/entry 4 \("b"\) has "extra"/),
      expect.stringMatching(/entry 4 \("b"\) has an agent_prefix that is not/),
      expect.stringMatching(/entry 6 \("d"\) has the agent_prefix "" of "c"/),
    ]);
  });

  it('reports bad JSON by position only, and a token given instead of a path without repeating it', () => {
    const bad = readGateways(`[{"id": "a", "token": "${SECRET}",}]`);
    expect(bad.problems[0]).toMatch(/^MC_OPENCLAW_GATEWAYS is not valid JSON/);
    expect(bad.problems[0]).not.toContain(SECRET);
    const path = readGateways(SECRET);
    expect(path.problems[0]).toMatch(/cannot be read/);
    expect(path.problems[0]).not.toContain(SECRET);
  });
});
