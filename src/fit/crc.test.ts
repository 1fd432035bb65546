import { CrcCalculator } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { fitCrc } from './crc.js';

describe('fitCrc', () => {
  it('matches the CRC-16/ARC check value for "123456789"', () => {
    expect(fitCrc(new TextEncoder().encode('123456789'))).toBe(0xbb3d);
  });

  it('agrees with the SDK CrcCalculator on arbitrary bytes and ranges', () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff);
    expect(fitCrc(bytes)).toBe(CrcCalculator.calculateCRC(bytes, 0, bytes.length));
    expect(fitCrc(bytes, 100, 900)).toBe(CrcCalculator.calculateCRC(bytes, 100, 900));
  });

  it('continues from a seed exactly like one pass over the concatenation', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
    expect(fitCrc(bytes, 120, 300, fitCrc(bytes, 0, 120))).toBe(fitCrc(bytes));
  });

  it('is 0 for an empty range', () => {
    expect(fitCrc(new Uint8Array(0))).toBe(0);
  });
});
