import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, pageOf } from './cursor';

const base64 = (text: string) => Buffer.from(text).toString('base64url');

function refusal(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    return error;
  }
  return null;
}

describe('the cursor', () => {
  it('gives back the key it was made of: a row id, or a text key that may hold the separator', () => {
    const row = { timestamp: '2026-03-01T10:00:00.000Z', id: 42 };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
    const session = { timestamp: '1970-01-01T00:00:00.000Z', id: 'agent:main:a|b' };
    expect(decodeCursor(encodeCursor(session), 'text')).toEqual(session);
  });

  it.each([
    ['not base64 of a key', 'abc', 'row'],
    ['no time', base64('|12'), 'row'],
    ['a time that is none', base64('x|12'), 'text'],
    ['a row id that is text', base64('2026-03-01T10:00:00.000Z|main'), 'row'],
    ['no key', base64('2026-03-01T10:00:00.000Z|'), 'text'],
  ] as const)('refuses %s with a 400 naming the cursor', (_what, cursor, id) => {
    const error = refusal(() => (id === 'text' ? decodeCursor(cursor, 'text') : decodeCursor(cursor)));
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({ details: [{ field: 'cursor' }] });
  });

  it('pages a list: the next cursor is the last item of the page, null when nothing follows', () => {
    const items = [5, 4, 3].map((id) => ({ timestamp: `2026-03-01T00:00:0${id}.000Z`, id }));
    const first = pageOf(items, 2, (item) => item);
    expect(first.items.map((item) => item.id)).toEqual([5, 4]);
    expect(decodeCursor(first.next_cursor ?? '')).toEqual(items[1]);
    expect(pageOf(items, 3, (item) => item).next_cursor).toBeNull();
    expect(pageOf([], 3, (item) => item).next_cursor).toBeNull();
  });
});
