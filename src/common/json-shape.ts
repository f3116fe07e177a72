import { MAX_BODY_DEPTH, MAX_BODY_MEMBERS, MAX_OBJECT_KEYS } from './validation';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_LIST = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_LIST = 0x5d;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The index of the quote that ends the string opened at `start` (its length when there is none). */
function endOfString(text: Buffer, start: number): number {
  let end = start;
  for (;;) {
    end = text.indexOf(QUOTE, end + 1);
    if (end < 0) return text.length;
    let slashes = 0;
    while (text[end - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
  }
}

/**
 * bodyShapeProblem, read from JSON text before it is parsed: parsing a body of too many keys already holds
 * the event loop. Strings are skipped with indexOf, so long values cost little.
 * Text that is not JSON gives no problem here: the parser then refuses it.
 */
export function jsonTextProblem(text: Buffer): string | null {
  // Per open object or list: its keys or items so far, and whether a list still waits for its first item.
  const counts: number[] = [];
  const objects: boolean[] = [];
  let awaitingFirst = false;
  let members = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (isSpace(c)) continue;
    const top = counts.length - 1;
    if (awaitingFirst) {
      awaitingFirst = false;
      if (c !== CLOSE_LIST) {
        counts[top]++;
        members++;
      }
    }
    if (c === QUOTE) i = endOfString(text, i);
    else if (c === OPEN_OBJECT || c === OPEN_LIST) {
      if (counts.length >= MAX_BODY_DEPTH) return `the body nests deeper than ${MAX_BODY_DEPTH} levels`;
      counts.push(0);
      objects.push(c === OPEN_OBJECT);
      awaitingFirst = c === OPEN_LIST;
    } else if (c === CLOSE_OBJECT || c === CLOSE_LIST) {
      counts.pop();
      objects.pop();
    } else if (c === COLON && objects[top]) {
      if (++counts[top] > MAX_OBJECT_KEYS) return `an object of the body has more than ${MAX_OBJECT_KEYS} keys`;
      members++;
    } else if (c === COMMA && top >= 0 && !objects[top]) {
      counts[top]++;
      members++;
    } else continue;
    if (members > MAX_BODY_MEMBERS) return `the body has more than ${MAX_BODY_MEMBERS} keys and list items in all`;
  }
  return null;
}
