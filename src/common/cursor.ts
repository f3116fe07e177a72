import { applyDecorators, BadRequestException } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, Matches, MaxLength } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * The one cursor of every paginated list. A page stops at its last item's key: a time (ISO 8601) and
 * a tie-breaker (a row id, or a text key), so that pages neither skip nor repeat while items arrive.
 */
export interface CursorKey<Id extends number | string = number> {
  timestamp: string;
  id: Id;
}

/** A page of a list, and the cursor of the next one: null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const NOT_A_CURSOR = 'cursor is not a cursor this service gave out';
const NOT_GIVEN_OUT = 'not a cursor this service gave out';

export function encodeCursor({ timestamp, id }: CursorKey<number | string>): string {
  return Buffer.from(`${timestamp}|${id}`).toString('base64url');
}

/** A cursor this service gave out, its id a row id (`'text'`: any text, such as a session key); else a 400. */
export function decodeCursor(cursor: string): CursorKey;
export function decodeCursor(cursor: string, id: 'text'): CursorKey<string>;
export function decodeCursor(cursor: string, id: 'row' | 'text' = 'row'): CursorKey<number | string> {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const split = text.indexOf('|');
  const timestamp = split < 0 ? '' : text.slice(0, split);
  const key = split < 0 ? '' : text.slice(split + 1);
  const keyFits = id === 'text' ? key.length > 0 : /^\d+$/.test(key);
  if (!timestamp || Number.isNaN(Date.parse(timestamp)) || !keyFits) {
    throw new BadRequestException({ message: NOT_A_CURSOR, details: [{ field: 'cursor', messages: [NOT_GIVEN_OUT] }] });
  }
  return { timestamp, id: id === 'text' ? key : Number(key) };
}

/** The first `limit` items of a list already in page order (and after the cursor), with the next page's cursor. */
export function pageOf<T>(items: T[], limit: number, keyOf: (item: T) => CursorKey<number | string>): Page<T> {
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page, next_cursor: items.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/**
 * A query newest first on (`time`, `id`), both column expressions of the query's alias: only rows after
 * the cursor, one more than `limit` so that pageOf knows whether another page follows.
 */
export function newestFirst<Q extends SelectQueryBuilder<ObjectLiteral>>(
  query: Q,
  { time, id }: { time: string; id: string },
  { limit, cursor }: { limit: number; cursor?: string },
): Q {
  query
    .orderBy(time, 'DESC')
    .addOrderBy(id, 'DESC')
    .limit(limit + 1);
  if (cursor) {
    const key = decodeCursor(cursor);
    query.andWhere(`(${time} < :cursorTime OR (${time} = :cursorTime AND ${id} < :cursorId))`, {
      cursorTime: key.timestamp,
      cursorId: key.id,
    });
  }
  return query;
}

/** Validation of a `cursor` query parameter: the `next_cursor` of an earlier page, as given out. */
export function IsCursor(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)),
    MaxLength(200, { message: NOT_A_CURSOR }),
    Matches(/^[A-Za-z0-9_-]+$/, { message: NOT_A_CURSOR }),
  );
}
