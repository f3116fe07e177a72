import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The module map (README, "Module map") as eslint.config.mjs enforces it: each case is a file that is not
 * on disk, linted as if it were at `file`, importing a real file of the tree.
 */
const ROOT = join(__dirname, '..', '..');

interface Case {
  file: string;
  code: string;
  /** The file imported, from the root: an import of a file that is not there is no dependency to check. */
  target?: string;
}

/**
 * ESLint's API loads eslint.config.mjs with import(), which Jest's module sandbox refuses, so the cases are
 * linted in one plain Node process.
 */
function lint(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(c.code, { filePath: c.file });
        out.push(result.messages.filter((m) => m.ruleId === 'boundaries/dependencies' || m.fatal).map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: ROOT, input: JSON.stringify(cases) }).toString(),
  );
}

/** `file` importing `target` (a path from the root, without .ts), which must exist for the import to count. */
function importing(file: string, target: string, name: string, kind = ''): Case {
  const source = relative(dirname(file), target);
  return {
    file,
    target: `${target}.ts`,
    code: `import ${kind}{ ${name} } from '${source.startsWith('.') ? source : `./${source}`}';\nexport const used: unknown = ${name};\n`,
  };
}

const REFUSED: [string, Case][] = [
  ['contracts importing a feature', importing('src/contracts/x.ts', 'src/alerts/alerts.service', 'AlertsService')],
  ['contracts importing config', importing('src/contracts/x.ts', 'src/config/environment', 'AppConfig')],
  ['a feature importing another feature’s entity', importing('src/metrics/x.ts', 'src/alerts/alert.entity', 'Alert')],
  [
    'a feature importing another feature’s entity, types only',
    importing('src/metrics/x.ts', 'src/alerts/alert.entity', 'Alert', 'type '),
  ],
  ['common importing a feature', importing('src/common/x.ts', 'src/workspace/workspace.service', 'WorkspaceService')],
  ['config importing common', importing('src/config/x.ts', 'src/common/json', 'X')],
  ['cluster importing a feature', importing('src/cluster/x.ts', 'src/events/events.service', 'EventsService')],
  ['a feature importing floor 4', importing('src/openclaw/x.ts', 'src/demo/openclaw-generator', 'OpenClawHome')],
  [
    'notifications importing alerts, even its door',
    importing('src/notifications/x.ts', 'src/alerts/alerts.service', 'AlertsService'),
  ],
  [
    'alerts importing notifications, even its door',
    importing('src/alerts/x.ts', 'src/notifications/notifications.service', 'NotificationsService'),
  ],
  ['the client library importing the app', importing('src/client/x.ts', 'src/common/json', 'X')],
  [
    'contracts importing a package',
    { file: 'src/contracts/x.ts', code: "import { Entity } from 'typeorm';\nexport const e = Entity;\n" },
  ],
];

const ALLOWED: [string, Case][] = [
  [
    'a feature importing another feature’s service',
    importing('src/metrics/x.ts', 'src/workspace/workspace.service', 'WorkspaceService'),
  ],
  [
    'a feature importing another feature’s module',
    importing('src/metrics/x.ts', 'src/workspace/workspace.module', 'WorkspaceModule'),
  ],
  ['a feature importing its own internals', importing('src/alerts/x.ts', 'src/alerts/alert.entity', 'Alert')],
  ['a feature importing floors 0 to 2', importing('src/metrics/x.ts', 'src/common/json', 'X')],
  ['a feature importing the cluster', importing('src/metrics/x.ts', 'src/cluster/cluster.module', 'ClusterModule')],
  ['common importing config', importing('src/common/x.ts', 'src/config/environment', 'AppConfig')],
  ['floor 4 importing a feature’s internals', importing('src/app.module.ts', 'src/alerts/alert.entity', 'Alert')],
  [
    'a unit test importing another feature’s internals',
    importing('src/metrics/x.spec.ts', 'src/alerts/alert.entity', 'Alert'),
  ],
  ['an end-to-end test importing anything', importing('test/x.e2e-spec.ts', 'src/alerts/alert.entity', 'Alert')],
  [
    'contracts importing a node built-in',
    { file: 'src/contracts/x.ts', code: "import { join } from 'node:path';\nexport const j = join;\n" },
  ],
];

describe('the module map in eslint.config.mjs', () => {
  const cases = [...REFUSED, ...ALLOWED];
  let results: string[][];

  beforeAll(() => {
    results = lint(cases.map(([, c]) => c));
  }, 60_000);

  it('imports files that exist', () => {
    const missing = cases.flatMap(([, c]) => (c.target && !existsSync(join(ROOT, c.target)) ? [c.target] : []));
    expect(missing).toEqual([]);
  });

  it.each(REFUSED.map(([name], i) => [name, i] as const))('refuses %s', (_name, i) => {
    expect(results[i]).toHaveLength(1);
    expect(results[i][0]).toContain('Module map');
  });

  it.each(ALLOWED.map(([name], i) => [name, REFUSED.length + i] as const))('allows %s', (_name, i) => {
    expect(results[i]).toEqual([]);
  });
});
