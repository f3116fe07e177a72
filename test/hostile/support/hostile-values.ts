import fc from 'fast-check';

/**
 * JSON text spliced into a body as it is: nesting deeper than JSON.stringify can recurse, numbers
 * JavaScript cannot hold (1e999), duplicate keys. Values of this class serialise through toJson().
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, with every RawJson put in as its text. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v,
  );
  return (text ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]);
}

const deepArray = (depth: number) => new RawJson('['.repeat(depth) + ']'.repeat(depth));
const deepObject = (depth: number) => new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

/** Strings that have broken parsers, validators, file paths and SQL before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'forge\u0000.json',
  '\r\n\r\nX-Injected: 1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-0',
  '0x1F',
  ' 42 ',
  '\uff14\uff12',
  '9'.repeat(400),
  '..',
  '../../../../etc/passwd',
  '..\\..\\windows',
  '%2e%2e%2f%2e%2e',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  "' OR 1=1 --",
  '"; DROP TABLE events; --',
  '${7*7}{{7*7}}',
  '<img src=x onerror=alert(1)>',
  '%s%s%s%n',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'agent:main:main',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  '\u{1F9D1}\u200D\u{1F680}\u{1F3F3}\uFE0F\u200D\u{1F308}',
  'e' + '\u0301'.repeat(500),
  '\uD800',
  '\uDFFF\uD800',
  '2026-02-30T10:00:00Z',
  '2026-11-22T24:00:00Z',
  '0000-01-01',
  '9999-12-31T23:59:59.999+14:00',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20',
  '2026-W48-7',
  '2026-W48-7T10:00:00Z',
  '2026-330',
];

/** Very long strings, made on demand so that thousands of requests do not hold them all. */
const LONG_STRINGS = fc
  .constantFrom(1_000, 70_000, 1_100_000)
  .chain((n) =>
    fc.constantFrom('x', '\u{1F600}', '\u0000', 'é').map((unit) => unit.repeat(Math.ceil(n / unit.length))),
  );

/** Hostile strings short enough for a URL (longer ones only meet Node's header limit, which one case covers). */
export const shortHostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }), weight: 2 },
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: shortHostileString, weight: 13 },
  { arbitrary: LONG_STRINGS, weight: 1 },
);

const PROTOTYPE_OBJECTS = [
  '{"__proto__": {"polluted": "yes"}}',
  '{"constructor": {"prototype": {"polluted": "yes"}}}',
  '{"prototype": {"polluted": "yes"}, "__proto__": null}',
  '{"a": 1, "a": {"b": 2}}',
].map((text) => JSON.parse(text) as Record<string, unknown>);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53 + 1, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
  fc.constantFrom('1e999', '-1e999', '123456789012345678901234567890', '0.1e-400', '-0.0').map((t) => new RawJson(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A value of any JSON type, chosen to be wrong wherever it lands. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 5 },
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: fc.constantFrom<unknown>(true, false, null, [], {}, [[]], [null], { '': '' }), weight: 2 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_OBJECTS), weight: 2 },
  {
    arbitrary: fc.constantFrom(2, 100, 5_000, 100_000).chain((d) => fc.constantFrom(deepArray(d), deepObject(d))),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.array(hostileString, { maxLength: 4 }), weight: 1 },
);

/** Field names to add to an object: unknown ones, prototype keys, and odd ones. */
export const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '',
    ' ',
    '\u0000',
    'id',
    'status_code',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Whole bodies that are not what any route expects, as raw bytes. */
export const malformedBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '[1,2',
    'null',
    'true',
    '"text"',
    '42',
    '{}garbage',
    '\u0000',
    '{"a":1}{"b":2}',
    '\uFEFF{}',
    'NaN',
    "{'single': 1}",
  ),
  fc.uint8Array({ minLength: 1, maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(100, 5_000, 100_000).map((d) => deepArray(d).text),
);
