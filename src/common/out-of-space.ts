/** Codes that say a write found no room: a full disk, an exhausted quota, and SQLite's word for both. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
/**
 * SQLite reports some writes that found no room as a plain I/O error (growing its shared-memory index,
 * for one): such an error means out of space only when the folder turns out to have no room left.
 */
const IO_ERROR_CODE = 'SQLITE_IOERR';

export interface OutOfSpace {
  code: string;
  /** False for an I/O error, which is a lack of space only if the disk says so. */
  certain: boolean;
  /** The file the failed write was for, when the error names it (Node's fs errors do). */
  path?: string;
}

/**
 * Whether an error, or one it wraps (`cause`, TypeORM's `driverError`), is a write that found no room.
 * The one place that recognises a full disk, whoever wrote: Node's fs, SQLite, node-tar, multer.
 */
export function outOfSpace(error: unknown): OutOfSpace | null {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current);) {
    seen.add(current);
    const { code, path, cause, driverError } = current as {
      code?: unknown;
      path?: unknown;
      cause?: unknown;
      driverError?: unknown;
    };
    if (typeof code === 'string' && (FULL_CODES.has(code) || code === IO_ERROR_CODE)) {
      return { code, certain: code !== IO_ERROR_CODE, ...(typeof path === 'string' ? { path } : {}) };
    }
    current = driverError ?? cause;
  }
  return null;
}
