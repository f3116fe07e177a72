import { parseLenientJson, stripLeadingZeros } from './lenient-json';

describe('parseLenientJson', () => {
  it('reads strict JSON', () => {
    expect(parseLenientJson('{"a": [1, 2.5, "x"]}')).toEqual({ a: [1, 2.5, 'x'] });
  });

  it('reads numbers with leading zeros, as real office files have them', () => {
    expect(parseLenientJson('{"hour": 06, "minute": 00, "neg": -07, "n": 0.5, "z": 0}')).toEqual({
      hour: 6,
      minute: 0,
      neg: -7,
      n: 0.5,
      z: 0,
    });
  });

  it('leaves zeros inside strings alone', () => {
    expect(parseLenientJson('{"room": "007", "hour": 09, "q": "say \\"05\\""}')).toEqual({
      room: '007',
      hour: 9,
      q: 'say "05"',
    });
  });

  it('reads trailing commas, comments and a byte-order mark', () => {
    expect(parseLenientJson('\ufeff{\n // note\n "a": 1,\n}')).toEqual({ a: 1 });
  });

  it.each(['{"agent": "forge", "status": "err', '', '{', 'not json', '{"a": 1}}'])(
    'throws on a broken file: %j',
    (text) => {
      expect(() => parseLenientJson(text)).toThrow();
    },
  );

  it('does not let __proto__ keys change prototypes', () => {
    const value = parseLenientJson('{"__proto__": {"polluted": true}, "hour": 01}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(value.hour).toBe(1);
  });
});

describe('stripLeadingZeros', () => {
  it('keeps decimals, exponents and identifiers', () => {
    expect(stripLeadingZeros('[0.05, 1e05, a05, 000, 0]')).toBe('[0.05, 1e05, a05, 0, 0]');
  });
});
