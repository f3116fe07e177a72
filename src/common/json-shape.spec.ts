import fc from 'fast-check';
import { jsonTextProblem } from './json-shape';
import { bodyShapeProblem, MAX_BODY_MEMBERS, MAX_OBJECT_KEYS } from './validation';

const text = (value: unknown) => Buffer.from(JSON.stringify(value));
const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

describe('jsonTextProblem', () => {
  it('finds in the text what bodyShapeProblem finds in the parsed value', () => {
    const cases: unknown[] = [
      { a: keys(MAX_OBJECT_KEYS) },
      { a: keys(MAX_OBJECT_KEYS + 1) },
      { items: Array.from({ length: 100 }, () => keys(998)) },
      { items: Array.from({ length: 101 }, () => keys(998)) },
      new Array(MAX_BODY_MEMBERS).fill(0),
      new Array(MAX_BODY_MEMBERS + 1).fill([]),
      JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`),
      JSON.parse(`${'['.repeat(65)}${']'.repeat(65)}`),
      { 'k"}{[:,': ['"\\', '\\"', ':,{', []], 'x\\': { '[': '\\\\' } },
    ];
    for (const value of cases) expect(jsonTextProblem(text(value))).toBe(bodyShapeProblem(value));
  });

  it('agrees with bodyShapeProblem on generated JSON, strings full of quotes and brackets included', () => {
    fc.assert(
      fc.property(
        fc.json({ depthSize: 'medium' }),
        (json) => jsonTextProblem(Buffer.from(json)) === bodyShapeProblem(JSON.parse(json)),
      ),
      { numRuns: 2_000 },
    );
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(jsonTextProblem(Buffer.from('{"a": '))).toBeNull();
    expect(jsonTextProblem(Buffer.from('"unterminated'))).toBeNull();
  });
});
