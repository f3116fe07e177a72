import {
  bodyShapeProblem,
  decimalInteger,
  invalidRequest,
  MAX_BODY_MEMBERS,
  MAX_OBJECT_KEYS,
  nestsDeeperThan,
} from './validation';

/** `levels` objects or lists inside one another, around `inner`. */
function nested(levels: number, inner: unknown = 1, kind: 'object' | 'list' = 'object'): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = kind === 'object' ? { a: 1, b: value } : [1, value];
  return value;
}

describe('nestsDeeperThan', () => {
  it('counts each object or list as a level, and nothing else', () => {
    expect(nestsDeeperThan(5, 0)).toBe(false);
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    for (const kind of ['object', 'list'] as const) {
      expect(nestsDeeperThan(nested(3, 1, kind), 3)).toBe(false);
      expect(nestsDeeperThan(nested(4, 1, kind), 3)).toBe(true);
      expect(nestsDeeperThan(nested(3, {}, kind), 3)).toBe(true);
    }
  });

  it('finds the deep branch among shallow ones, and answers for a value nested far past its stack', () => {
    expect(nestsDeeperThan({ a: [1, 2, { b: 'x' }], c: { d: nested(64) } }, 64)).toBe(true);
    expect(nestsDeeperThan({ a: [1, 2, { b: 'x' }], c: { d: nested(62) } }, 64)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 64)).toBe(true);
  });

  it('reads a "__proto__" key of parsed JSON as the data it is', () => {
    expect(nestsDeeperThan(JSON.parse(`{"__proto__": ${JSON.stringify(nested(5))}}`), 5)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`{"__proto__": ${JSON.stringify(nested(4))}}`), 5)).toBe(false);
  });
});

describe('bodyShapeProblem', () => {
  const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

  it('takes an object of MAX_OBJECT_KEYS keys and refuses one more', () => {
    expect(bodyShapeProblem({ a: keys(MAX_OBJECT_KEYS) })).toBeNull();
    expect(bodyShapeProblem({ a: keys(MAX_OBJECT_KEYS + 1) })).toBe(
      `an object of the body has more than ${MAX_OBJECT_KEYS} keys`,
    );
  });

  it('counts keys and list items over the whole body (here 100 + 100 × 998 + 1)', () => {
    const items = Array.from({ length: MAX_BODY_MEMBERS / 1_000 }, () => keys(998));
    expect(bodyShapeProblem({ items })).toBeNull();
    expect(bodyShapeProblem({ items: [...items, keys(1_000)] })).toMatch(/more than 100000 keys and list items/);
    expect(bodyShapeProblem(new Array(MAX_BODY_MEMBERS + 1).fill(0))).toMatch(/more than 100000 keys and list items/);
  });

  it('still refuses deep nesting as nestsDeeperThan does', () => {
    expect(bodyShapeProblem(nested(64))).toBeNull();
    expect(bodyShapeProblem(nested(65))).toBe('the body nests deeper than 64 levels');
  });
});

describe('invalidRequest', () => {
  it('lists the first 20 problems, each said once, and counts the rest', () => {
    const details = [
      { field: 'limit', messages: ['bad limit', 'bad limit'] },
      ...Array.from({ length: 30 }, (_, i) => ({ field: `f${i}`, messages: [`f${i} is bad`] })),
    ];
    const body = invalidRequest(details).getResponse() as {
      details: { messages: string[] }[];
      omitted_problems: number;
      message: string;
    };
    expect(body.details.flatMap((d) => d.messages)).toHaveLength(20);
    expect(body.details[0]).toEqual({ field: 'limit', messages: ['bad limit'] });
    expect(body.omitted_problems).toBe(11);
    expect(body.message).toMatch(/; and 11 more$/);
  });
});

describe('decimalInteger', () => {
  it.each([
    ['1', 1],
    ['0', 0],
    ['42', 42],
    ['00001', '00001'],
    ['0x10', '0x10'],
    ['1e3', '1e3'],
    [' 1', ' 1'],
    ['+1', '+1'],
    ['1.0', '1.0'],
    [7, 7],
  ])('reads %p as %p', (value, read) => {
    expect(decimalInteger({ value })).toBe(read);
  });
});
