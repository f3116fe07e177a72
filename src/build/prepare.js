/**
 * What `nest start` and `nest build` need besides what the SWC builder compiles, each made only when
 * missing or older than what it is made from, so that a start on a built tree costs a look at the
 * sources' dates: the dashboard's client library and the OpenClaw plugin (their own tsc builds), and
 * the files the Swagger CLI plugin documents (SWC runs no TypeScript plugin; see emitSwaggerFiles).
 * Plain JavaScript, so that it needs no compiling itself.
 *
 *   node src/build/prepare.js [client] [plugin] [swagger]     (all three when none is named)
 */
const { spawnSync } = require('node:child_process');
const { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
/** Dated when prepare last compiled the files of the Swagger plugin. */
const SWAGGER_STAMP = join(ROOT, 'dist', '.swagger-plugin');
/** Built on their own (their own tsconfig), never part of the service's compilation. */
const PACKAGES = [join(SRC, 'client'), join(SRC, 'openclaw-plugin')];

/** The newest modification time of the .ts files under `dir` that `keep` accepts, and of `extra` files. */
function newest(dir, keep, extra = []) {
  let time = Math.max(0, ...extra.map((file) => statSync(join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) time = Math.max(time, newest(path, keep));
    else if (entry.isFile() && entry.name.endsWith('.ts') && keep(path)) time = Math.max(time, statSync(path).mtimeMs);
  }
  return time;
}

const builtAt = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;

/**
 * Makes `output` with `make` when it is older than `sourcesTime`, then dates it from the start of
 * the making: a source saved meanwhile is newer, and is made again next time.
 */
function refresh(label, output, sourcesTime, make) {
  if (builtAt(output) >= sourcesTime) return;
  const started = new Date();
  process.stderr.write(`Preparing ${label}…\n`);
  make();
  utimesSync(output, started, started);
}

function npmRun(script) {
  // Its output goes to stderr: stdout belongs to the command this prepares (npm run cli's, say).
  const run = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const tasks = {
  client: () =>
    refresh(
      'the client library (dist/client/)',
      join(ROOT, 'dist', 'client', 'mission-control-client.js'),
      newest(PACKAGES[0], () => true, ['src/client/tsconfig.json']),
      () => npmRun('build:client'),
    ),
  plugin: () =>
    refresh(
      'the OpenClaw plugin (dist/openclaw-plugin/)',
      join(ROOT, 'dist', 'openclaw-plugin', 'index.js'),
      newest(PACKAGES[1], (path) => !path.endsWith('spec.ts'), [
        'src/openclaw-plugin/tsconfig.json',
        'src/openclaw-plugin/package.json',
        'src/openclaw-plugin/openclaw.plugin.json',
      ]),
      () => npmRun('build:plugin'),
    ),
  swagger: () =>
    refresh(
      'the files the Swagger plugin documents (DTOs, entities, controllers) in dist/',
      SWAGGER_STAMP,
      newest(SRC, (path) => !path.endsWith('spec.ts') && !PACKAGES.some((dir) => path.startsWith(dir)), [
        'nest-cli.json',
        'tsconfig.json',
        'tsconfig.build.json',
      ]),
      () => {
        emitSwaggerFiles();
        writeFileSync(SWAGGER_STAMP, '');
      },
    ),
};

/** The Swagger plugin's options, from nest-cli.json, with the suffixes of the files it rewrites. */
function swaggerPlugin() {
  const config = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8'));
  const { options } = config.compilerOptions.plugins.find((plugin) => plugin.name === '@nestjs/swagger');
  const suffixes = [...options.dtoFileNameSuffix, ...(options.controllerFileNameSuffix ?? ['.controller.ts'])];
  // SWC must leave those files to this script, or it would overwrite them without the plugin's output.
  const ignored = config.compilerOptions.builder.options.ignore;
  for (const suffix of suffixes)
    if (!ignored.includes(`src/**/*${suffix}`))
      throw new Error(
        `nest-cli.json: the SWC builder must ignore src/**/*${suffix}, which src/build/prepare.js compiles`,
      );
  return { options, suffixes };
}

/**
 * The files the Swagger CLI plugin rewrites (DTOs, entities, controllers), compiled by tsc with the
 * plugin as `nest build` did before SWC, so the OpenAPI document is the one the tests see. One
 * TypeScript program of the sources, no type check (`npm run typecheck` does that).
 */
function emitSwaggerFiles() {
  const ts = require('typescript');
  const plugin = require('@nestjs/swagger/plugin');
  const { options, suffixes } = swaggerPlugin();
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const transformers = { before: [plugin.before(options, program)] };
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || !suffixes.some((suffix) => file.fileName.endsWith(suffix))) continue;
    if (program.emit(file, undefined, undefined, false, transformers).emitSkipped)
      throw new Error(`tsc could not compile ${file.fileName}`);
  }
}

/** Makes the named parts (all when none is named) that are missing or out of date. */
function prepare(names = []) {
  for (const name of names)
    if (!(name in tasks)) throw new Error(`Unknown part "${name}": one of ${Object.keys(tasks).join(', ')}`);
  for (const name of names.length > 0 ? names : Object.keys(tasks)) tasks[name]();
}

module.exports = { prepare };

if (require.main === module) prepare(process.argv.slice(2));
