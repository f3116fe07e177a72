import { humanSize } from './backup-names';

describe('humanSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    // 1536 / 1024 = 1.5
    [1536, '1.5 KB'],
    // 23,500 / 1024 = 22.949… → 22.9
    [23_500, '22.9 KB'],
    [5 * 1024 * 1024, '5.0 MB'],
    // 3.25 × 1024³
    [3.25 * 1024 ** 3, '3.3 GB'],
    [2 * 1024 ** 5, '2048.0 TB'],
  ])('shows %i bytes as %s', (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });
});
