import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './error.dto';

/** The folders Mission Control writes to, by the variable that sets each. */
export type StorageFolder = 'MC_DATA_DIR' | 'MC_BACKUP_DIR' | 'MC_WORKSPACE';

/**
 * A write that found no room (507). Nothing of it was kept, so the client may send it again once space
 * is back. `path` stays the request's, as in every error: the full folder is `full_path`.
 */
export class InsufficientStorageException extends HttpException {
  constructor(
    readonly variable: StorageFolder,
    readonly fullPath: string,
    readonly freeBytes: number | null,
    advice = 'free some space and try again',
  ) {
    super(
      {
        message: `Not enough disk space in ${fullPath} (${variable}): nothing was written; ${advice}`,
        full_path: fullPath,
        variable,
        free_bytes: freeBytes,
      },
      HttpStatus.INSUFFICIENT_STORAGE,
    );
  }
}

/** Documents the 507 of a route that writes. */
export const ApiInsufficientStorageResponse = () =>
  ApiResponse({
    status: HttpStatus.INSUFFICIENT_STORAGE,
    type: ErrorDto,
    description:
      'Not enough disk space: nothing was written; `full_path` is the full folder. Send it again once space is freed.',
  });
