import { describe, expect, it } from 'vitest';
import { fitCrc } from './crc.js';
import { scanFitContainer } from './container.js';
import { buildSyntheticRunFit } from './synthetic.js';

const file = buildSyntheticRunFit({ seconds: 20 });

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('scanFitContainer', () => {
  it('accepts one intact file as a single verified segment', () => {
    const c = scanFitContainer(file);
    expect(c.damage).toBeNull();
    expect(c.segments).toHaveLength(1);
    expect(c.segments[0]).toMatchObject({ start: 0, headerSize: 14, end: file.length });
  });

  it('splits chained files into one segment each', () => {
    const c = scanFitContainer(concat(file, file, file));
    expect(c.damage).toBeNull();
    expect(c.segments.map((s) => s.start)).toEqual([0, file.length, 2 * file.length]);
  });

  it('reports fit_not_fit for bytes without a FIT header', () => {
    const c = scanFitContainer(new TextEncoder().encode('<?xml version="1.0"?><gpx></gpx>'));
    expect(c.segments).toHaveLength(0);
    expect(c.damage?.code).toBe('fit_not_fit');
  });

  it('reports fit_bad_crc when one data byte changed', () => {
    const bad = file.slice();
    bad[40] = bad[40]! ^ 0xff;
    expect(scanFitContainer(bad).damage?.code).toBe('fit_bad_crc');
  });

  it('reports fit_bad_crc when the header checksum does not match', () => {
    const bad = file.slice();
    bad[12] = bad[12]! ^ 0x01;
    expect(scanFitContainer(bad).damage?.code).toBe('fit_bad_crc');
  });

  it('accepts a 14-byte header whose checksum is 0 (not computed)', () => {
    const ok = file.slice();
    ok[12] = 0;
    ok[13] = 0;
    const crc = fitCrc(ok, 0, ok.length - 2);
    ok[ok.length - 2] = crc & 0xff;
    ok[ok.length - 1] = crc >> 8;
    expect(scanFitContainer(ok).damage).toBeNull();
  });

  it('reports fit_truncated when the file is shorter than its header declares', () => {
    const c = scanFitContainer(file.subarray(0, file.length - 3));
    expect(c.segments).toHaveLength(0);
    expect(c.damage?.code).toBe('fit_truncated');
  });

  it('keeps the verified first file and reports fit_bad_chained_header for a damaged second header', () => {
    const second = file.slice();
    second[9] = 0x58; // ".FIT" → ".XIT"
    const c = scanFitContainer(concat(file, second));
    expect(c.segments).toHaveLength(1);
    expect(c.damage).toMatchObject({ code: 'fit_bad_chained_header', offset: file.length });
  });

  it('reports a truncated chained file after verified ones', () => {
    const c = scanFitContainer(concat(file, file.subarray(0, 30)));
    expect(c.segments).toHaveLength(1);
    expect(c.damage?.code).toBe('fit_truncated');
  });

  it('ignores zero padding after the last file', () => {
    const c = scanFitContainer(concat(file, new Uint8Array(7)));
    expect(c.damage).toBeNull();
    expect(c.paddingBytes).toBe(7);
  });
});
