import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roleAllows } from '../contracts/roles';
import { allApiTokens, parseApiTokens, readApiTokens } from './api-tokens';
import { validateEnvironment } from './environment';

const VIEWER = 'viewer-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';

describe('MC_API_TOKENS', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-tokens-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a list or {tokens: [...]}, inline or from a file', () => {
    const list = [
      { name: 'grafana', role: 'viewer', token: VIEWER },
      { name: 'ops', role: 'admin', token: ADMIN },
    ];
    expect(readApiTokens(JSON.stringify(list))).toEqual({ file: null, tokens: list, problems: [] });
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ tokens: list }, null, 2));
    expect(readApiTokens(` ${file} `)).toEqual({ file, tokens: list, problems: [] });
  });

  it.each([
    [
      'a duplicate name, ignoring case',
      [
        ['a', 'viewer', VIEWER],
        ['A', 'admin', ADMIN],
      ],
      /entry 2 \("A"\) repeats the name of an earlier token \("a"\)/,
    ],
    [
      'a duplicate token',
      [
        ['a', 'viewer', VIEWER],
        ['b', 'admin', VIEWER],
      ],
      /entry 2 \("b"\) has the same token as "a"/,
    ],
    [
      'an unknown role',
      [['a', 'root', VIEWER]],
      /entry 1 \("a"\) has the role "root"; a role is one of viewer, operator, admin, ingest/,
    ],
    ['no role', [['a', undefined, VIEWER]], /has the role none/],
    ['an empty token', [['a', 'viewer', '']], /entry 1 \("a"\) has an empty token/],
    ['a short token', [['a', 'viewer', 'x7Qz9']], /has a token of 5 characters, too short to be a secret: at least 16/],
    ['no token', [['a', 'viewer', undefined]], /has no token/],
    ['a token with a space', [['a', 'viewer', 'with space 0123456789']], /has a token with spaces/],
    ['a bad name', [['../x', 'viewer', VIEWER]], /entry 1 needs a name of 1 to 64 letters/],
  ])('refuses %s, naming the entry and never the token', (_what, rows, message) => {
    const text = JSON.stringify(rows.map(([name, role, token]) => ({ name, role, token })));
    const { problems, tokens } = parseApiTokens(text, null);
    expect(problems.join('\n')).toMatch(message);
    for (const [, , token] of rows) if (token) expect(problems.join('\n')).not.toContain(token);
    expect(tokens.length).toBeLessThan(rows.length);
  });

  it.each([
    ['[]', /MC_API_TOKENS lists no token/],
    ['{"tokenz": []}', /must be a list of \{name, role, token\}/],
    ['[{"name": "a", "role": "viewer", "token": "' + VIEWER + '", "rol": "admin"}]', /has "rol": only name, role/],
    ['[{"name": "a", "role": "viewer", "token": "' + VIEWER + '",}]', /is not valid JSON \(at line 1, column \d+\)/],
  ])('refuses %s', (text, message) => {
    const { problems } = parseApiTokens(text, null);
    expect(problems.join('\n')).toMatch(message);
    expect(problems.join('\n')).not.toContain(VIEWER);
  });

  it('names a file it cannot read, but does not repeat a value that is no path', () => {
    expect(readApiTokens(join(dir, 'missing.json')).problems[0]).toMatch(
      /the file .*missing\.json cannot be read \(ENOENT\)/,
    );
    expect(readApiTokens(VIEWER).problems[0]).not.toContain(VIEWER);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(readApiTokens(folder).problems[0]).toMatch(/is not a regular file/);
  });

  it('adds MC_API_TOKEN as the admin token of that name', () => {
    expect(allApiTokens(undefined, 'legacy')).toEqual([{ name: 'MC_API_TOKEN', role: 'admin', token: 'legacy' }]);
  });

  it('stops the start with every problem, never quoting a token, and refuses clashes with MC_API_TOKEN', () => {
    const bad = JSON.stringify([
      { name: 'a', role: 'viewer', token: VIEWER },
      { name: 'a', role: 'boss', token: VIEWER },
    ]);
    const start = () => validateEnvironment({ MC_API_TOKENS: bad });
    expect(start).toThrow(
      /Invalid configuration:\n {2}- MC_API_TOKENS: entry 2 \("a"\) repeats the name[^\n]*\n {2}- MC_API_TOKENS: entry 2 \("a"\) has the role "boss"/,
    );
    expect(start).not.toThrow(new RegExp(VIEWER));
    const good = JSON.stringify([{ name: 'a', role: 'viewer', token: VIEWER }]);
    expect(() => validateEnvironment({ MC_API_TOKENS: good, MC_API_TOKEN: VIEWER })).toThrow(
      /MC_API_TOKEN is also the token of "a" in MC_API_TOKENS/,
    );
    expect(() => validateEnvironment({ MC_API_TOKEN: 'has space' })).not.toThrow(/has space/);
  });

  it('refuses a token file inside the workspace, whose files the API serves', () => {
    const file = join(dir, 'tokens.json');
    expect(() => validateEnvironment({ MC_API_TOKENS: file, MC_WORKSPACE: dir })).toThrow(
      /MC_API_TOKENS \(.*tokens\.json\) is inside MC_WORKSPACE/,
    );
    expect(
      validateEnvironment({ MC_API_TOKENS: file, MC_WORKSPACE: join(dir, 'folder') }).MC_API_TOKENS?.tokens,
    ).toHaveLength(2);
  });
});

describe('Roles', () => {
  it('admin may do everything, operator what viewers do, ingest only post events', () => {
    const table = (['viewer', 'operator', 'admin', 'ingest'] as const).map((role) =>
      (['viewer', 'operator', 'admin', 'ingest'] as const).filter((required) => roleAllows(role, required)),
    );
    expect(table).toEqual([['viewer'], ['viewer', 'operator'], ['viewer', 'operator', 'admin', 'ingest'], ['ingest']]);
  });
});
