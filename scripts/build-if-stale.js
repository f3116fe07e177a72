/**
 * `npm run cli` runs the compiled command line (dist/cli/cli.js). This builds it first (nest build,
 * as `npm run build` does without the client library and the plugin) when it is missing or older than
 * a source it is compiled from, so `npm run cli -- …` works from a clean clone and after an edit, and
 * costs little more than a Node start when dist/ is up to date (a full build takes 7 s or more).
 * Plain JavaScript, so that it needs no compiling itself. The tests of the command line run it too.
 */
const { spawnSync } = require('node:child_process');
const { chmodSync, readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const OUTPUT = join(ROOT, 'dist', 'cli', 'cli.js');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
/** Not compiled into dist/ by nest build, as "exclude" in tsconfig.build.json says (with *spec.ts). */
const SKIPPED = new Set([join(ROOT, 'src', 'client'), join(ROOT, 'src', 'openclaw-plugin')]);

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
    // tsc writes its files even when it finds errors: date them back, so the next run builds again.
    if (statSync(OUTPUT, { throwIfNoEntry: false })) utimesSync(OUTPUT, 0, 0);
    process.exit(nest.status ?? 1);
  }
  // Dated from the start of the build: a source saved while it ran is newer, and is built next time.
  utimesSync(OUTPUT, started, started);
  // tsc writes files without the execute bit, and the bin (`mission-control`) is run through its shebang.
  chmodSync(OUTPUT, 0o755);
}
