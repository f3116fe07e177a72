import { applyDecorators, BadRequestException } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, Matches, MaxLength } from 'class-validator';

/**
 * Where a page newest first stopped: its last item's time and id, so pages neither skip nor repeat while items arrive.
 */
export interface CursorKey {
  timestamp: string;
  id: number;
}

export function encodeCursor({ timestamp, id }: CursorKey): string {
  return Buffer.from(`${timestamp}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  const [timestamp, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!timestamp || Number.isNaN(Date.parse(timestamp)) || !/^\d+$/.test(id ?? '')) {
    throw new BadRequestException({
      message: 'cursor is not a cursor this service gave out',
      details: [{ field: 'cursor', messages: ['not a cursor this service gave out'] }],
    });
  }
  return { timestamp, id: Number(id) };
}

/** Validation of a `cursor` query parameter: the `next_cursor` of an earlier page, as given out. */
export function IsCursor(): PropertyDecorator {
  const message = 'cursor is not a cursor this service gave out';
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)),
    MaxLength(200, { message }),
    Matches(/^[A-Za-z0-9_-]+$/, { message }),
  );
}
