import { describe, expect, it } from 'vitest';
import { ByteWriter } from './byte-writer.js';

describe('ByteWriter', () => {
  it('grows beyond its initial capacity and keeps earlier bytes', () => {
    const w = new ByteWriter(1);
    const chunk = Uint8Array.from({ length: 50 }, (_, i) => i);
    for (let k = 0; k < 3; k++) w.write(chunk);
    w.byte(0xaa);
    w.u32(0x01020304, true);
    w.u32(0x01020304, false);
    expect(w.length).toBe(159);
    expect(Array.from(w.buf.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(w.buf.subarray(150, 159))).toEqual([0xaa, 4, 3, 2, 1, 1, 2, 3, 4]);
  });

  it('writes a sub-range of the source', () => {
    const w = new ByteWriter(8);
    w.write(Uint8Array.from([1, 2, 3, 4]), 1, 3);
    expect(Array.from(w.buf.subarray(0, w.length))).toEqual([2, 3]);
  });
});
