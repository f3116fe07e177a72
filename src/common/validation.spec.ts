import { nestsDeeperThan } from './validation';

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
