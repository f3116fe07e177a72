/**
 * `npm run cli` runs the compiled command line (dist/cli/cli.js). This builds dist/ first (as
 * `npm run build` does, without the client library and the OpenClaw plugin) when it is missing or older
 * than a source, so `npm run cli -- …` works from a clean clone and after an edit, and costs little
 * more than a Node start when dist/ is up to date. The tests of the command line run it too.
 * Plain JavaScript, so that it needs no compiling itself.
 */
const { spawnSync } = require('node:child_process');
const { chmodSync, readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');
const { prepare } = require('./prepare');

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'dist', 'cli', 'cli.js');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', '.swcrc'];
/** Not compiled into dist/ by nest build (see the builder's "ignore" in nest-cli.json). */
const SKIPPED = new Set(['client', 'openclaw-plugin'].map((name) => join(ROOT, 'src', name)));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED.has(path)) newest = Math.max(newest, newestSource(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// The DTOs, entities and controllers, which nest build leaves to it.
prepare(['swagger']);
const built = statSync(OUTPUT, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const newest = Math.max(newestSource(join(ROOT, 'src')), ...CONFIGS.map((name) => statSync(join(ROOT, name)).mtimeMs));
if (built < newest) {
  const started = new Date();
  process.stderr.write('Building the command line (nest build)…\n');
  // Its output goes to stderr: stdout is the command's own, for scripts that read it.
  const nest = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
  if (nest.status !== 0) {
    // Whatever was written, the next run builds again.
    if (statSync(OUTPUT, { throwIfNoEntry: false })) utimesSync(OUTPUT, 0, 0);
    process.exit(nest.status ?? 1);
  }
  // Dated from the start of the build: a source saved while it ran is newer, and is built next time.
  utimesSync(OUTPUT, started, started);
  // The bin (`mission-control`) is run through its shebang.
  chmodSync(OUTPUT, 0o755);
}
