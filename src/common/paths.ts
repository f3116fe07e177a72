import { isAbsolute, relative, sep } from 'node:path';

/** True when `child` is `folder` itself or lies below it. Both must be absolute and resolved. */
export function isInside(folder: string, child: string): boolean {
  const rel = relative(folder, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
