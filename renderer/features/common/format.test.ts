import { describe, expect, it } from 'vitest';
import { fmt, fmtCount, fmtDuration } from './format.js';

describe('format', () => {
  it('writes exact space sizes with separators, adding the magnitude when large', () => {
    expect(fmtCount('15625')).toBe('15,625');
    expect(fmtCount('12362972039154506250000')).toBe('12,362,972,039,154,506,250,000 (≈1.23·10^22)');
    expect(fmtCount(null)).toBe('—');
  });
  it('writes metric values readably', () => {
    expect(fmt(84.89213)).toBe('84.89');
    expect(fmt(1794)).toBe('1,794');
    expect(fmt(0.00001234)).toBe('1.23e-5');
    expect(fmt(null)).toBe('—');
    expect(fmt(Infinity)).toBe('∞');
  });
  it('writes durations', () => {
    expect(fmtDuration(850)).toBe('850 ms');
    expect(fmtDuration(42_400)).toBe('42 s');
    expect(fmtDuration(185_000)).toBe('3 min 05 s');
    expect(fmtDuration(8_040_000)).toBe('2 h 14 min');
    expect(fmtDuration(undefined)).toBe('—');
  });
});
