import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLenientJson } from './lenient-json';
import { parseOffice } from './office.parser';

const FILE = join(
  __dirname,
  '..',
  '..',
  'test',
  'fixtures',
  'workspace',
  'mission-control',
  'current_office_state.json',
);

describe('parseOffice', () => {
  it('reads the fixture file with its leading-zero hour, positions in both forms, and keeps every field', () => {
    const office = parseOffice(parseLenientJson(readFileSync(FILE, 'utf8')));
    expect(office.raw).toMatchObject({
      hour: 6,
      state: 'morning_briefing',
      description: 'Daily briefing - room 007 is booked',
    });
    expect(office.positions).toEqual({
      forge: { zone: 'conference', x: null, y: null },
      scribe: { zone: 'desk', x: 42.5, y: 61 },
      maven: { zone: 'conference', x: null, y: null },
      ghost: { zone: 'lounge', x: null, y: null },
    });
  });

  it('skips positions it cannot read', () => {
    expect(parseOffice({ positions: { a: 5, b: {}, c: { x: 'left' }, d: '  ', e: { x: 1, y: 2 } } }).positions).toEqual(
      { e: { zone: null, x: 1, y: 2 } },
    );
    expect(parseOffice({}).positions).toEqual({});
  });

  it('refuses a file that is not an object', () => {
    expect(() => parseOffice([1, 2])).toThrow('office state must be a JSON object');
  });
});
