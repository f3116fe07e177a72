import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The project's folder (where its package.json is), whether the code runs from src/ or dist/. */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'mission-control')
      return (root = dir);
  }
  return (root = process.cwd());
}

/** The service's version, from its package.json. */
export function serviceVersion(): string {
  return (
    (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0'
  );
}
