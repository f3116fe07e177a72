// ESLint: typescript-eslint's recommended rules (not the type-aware set, which would build a TypeScript program
// as npm run typecheck does) and the README's module map, enforced on imports by eslint-plugin-boundaries.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

/** Features: every folder of src/ that no other element claims (workspace, openclaw, agents, alerts…). */
const FEATURE = 'feature';
/** Floors 0 to 3, and what each may import besides itself. A floor never imports one above it. */
const BELOW = {
  contracts: [],
  config: ['contracts'],
  common: ['contracts', 'config'],
  logging: ['contracts', 'config', 'common'],
  database: ['contracts', 'config', 'common'],
  cluster: ['contracts', 'config', 'common', 'logging', 'database'],
  [FEATURE]: ['contracts', 'config', 'common', 'logging', 'database', 'cluster'],
};

const element = (type, pattern, extra = {}) => ({ type, pattern, partialMatch: false, ...extra });

/** First match wins, so the catch-all `src/*` (features) comes after every named folder. */
const ELEMENTS = [
  // The dashboard's browser modules: served as files, they import only each other.
  element('browser', 'src/dashboard/public'),
  element('contracts', 'src/contracts'),
  element('config', 'src/config'),
  element('common', 'src/common'),
  element('logging', 'src/logging'),
  element('database', 'src/database'),
  element('cluster', 'src/cluster'),
  // Built separately (their own tsconfig) and shipped alone: nothing from the rest of src/.
  element('package', ['src/client', 'src/openclaw-plugin']),
  // Floor 4: start-up, the programs built on the app and the build's own script. May import anything.
  element('composition', ['src/cli', 'src/demo', 'src/build']),
  element(FEATURE, 'src/*', { capture: ['feature'] }),
  // What is left of src/ is its top-level files: main.ts, app.module.ts, app.factory.ts, foundation.ts…
  element('composition', 'src'),
  element('test', ['test', 'scripts']),
];

/** Each file in one category, the first that matches: a feature's door is its modules and services. */
const FILES = [
  { category: 'spec', pattern: '**/*.spec.ts' },
  { category: 'door', pattern: 'src/*/*.{module,service}.ts' },
  { category: 'inside', pattern: 'src/**' },
];

const types = (list) => ({ element: { types: { anyOf: list } } });
const SEE = 'See "Module map" in README.md.';

/** The last policy that matches a dependency decides; one that none matches is refused. */
const MODULE_MAP = [
  ...Object.entries(BELOW).flatMap(([type, below]) => [
    { from: { element: { type } }, allow: { to: types(below) } },
    {
      from: { element: { type } },
      disallow: { to: { element: { types: { noneOf: [...below, FEATURE] } } } },
      message: `${type} imports ${below.length ? `only ${below.join(', ')}` : 'nothing from src/'}; {{to.element.filePath}} is ${type === FEATURE ? 'floor 4 or apart' : '{{to.type}}'}. ${SEE}`,
    },
  ]),
  {
    from: { element: { type: FEATURE } },
    allow: { to: { element: { type: FEATURE }, file: { categories: 'door' } } },
  },
  {
    from: { element: { type: FEATURE } },
    disallow: { to: { element: { type: FEATURE }, file: { categories: 'inside' } } },
    message:
      '{{from.element.captured.feature}} reaches {{to.element.captured.feature}} only through its door ' +
      '(*.module.ts, *.service.ts), not {{to.element.fileInternalPath}}; shared types go in contracts, ' +
      `events through the DomainEventBus. ${SEE}`,
  },
  {
    // Neither door: alerts queue notifications through the contract in contracts/notifications.
    from: { element: { type: FEATURE, captured: { feature: 'alerts' } } },
    disallow: { to: { element: { type: FEATURE, captured: { feature: 'notifications' } } } },
    message: `alerts reach notifications only through the notification contract in contracts/. ${SEE}`,
  },
  {
    from: { element: { type: FEATURE, captured: { feature: 'notifications' } } },
    disallow: { to: { element: { type: FEATURE, captured: { feature: 'alerts' } } } },
    message: `notifications know alerts only through the notification contract in contracts/. ${SEE}`,
  },
  { from: { element: { type: 'browser' } }, allow: { to: types(['browser']) } },
  { from: { element: { type: 'package' } }, allow: { to: types(['package']) } },
  // Floor 4, tests and scripts may import anything, and so may unit tests beside the code they test.
  { from: types(['composition', 'test']), allow: { to: { element: { types: { noneOf: ['browser'] } } } } },
  { from: { file: { categories: 'spec' } }, allow: { to: { element: { types: { noneOf: ['browser'] } } } } },
  { allow: { to: { module: { origin: ['external', 'core'] } } } },
  {
    from: { element: { type: 'contracts' } },
    disallow: { to: { module: { origin: 'external' } } },
    message: `contracts are plain types, constants and pure functions: node built-ins, no package. ${SEE}`,
  },
];

const NODE_GLOBALS = { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' };
const BROWSER_GLOBALS = Object.fromEntries(
  [
    'window',
    'document',
    'location',
    'localStorage',
    'sessionStorage',
    'fetch',
    'URLSearchParams',
    'Node',
    'MutationObserver',
    'ResizeObserver',
    'getComputedStyle',
    'matchMedia',
    'requestAnimationFrame',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      'data/',
      'backups/',
      '.cache/',
      'test/fixtures/',
      'test/bench/results/',
      'test/browser/screenshots/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // `const { secret: _secret, ...rest } = row` leaves a field out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON bodies of every shape; typing each one adds nothing the assertions miss.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/dashboard/public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: { ...BROWSER_GLOBALS, console: 'readonly' } },
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    files: ['**/*.js'],
    ignores: ['src/dashboard/public/**'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...NODE_GLOBALS, console: 'readonly', performance: 'readonly' },
    },
  },
  {
    files: ['src/**/*.{ts,js}', 'test/**/*.{ts,js}', 'scripts/**/*.{ts,js}'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
      'boundaries/root-path': ROOT,
      'boundaries/elements': ELEMENTS,
      'boundaries/files': FILES,
      'boundaries/files-single-match': true,
      'boundaries/legacy-templates': false,
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          checkAllOrigins: true,
          policies: MODULE_MAP,
          message: `{{from.element.path}} ({{from.type}}) may not import {{to.element.filePath}} ({{to.type}}). ${SEE}`,
        },
      ],
      // Every file of src/ is in the map: a new top-level folder is a feature unless named above.
      'boundaries/no-unknown-files': 'error',
    },
  },
);
