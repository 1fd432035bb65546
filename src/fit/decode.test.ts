import { Encoder, type Encodable, type FileIdMesg, type RecordMesg } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { fitCrc } from './crc.js';
import { DEFAULT_FIT_MAX_BYTES, decodeFit } from './decode.js';
import { buildSyntheticRunFit } from './synthetic.js';

const run10min = buildSyntheticRunFit({ seconds: 601, speedMps: () => 3, cadenceSpm: () => 170, altitudeM: () => 50 });

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function withFixedCrc(bytes: Uint8Array): Uint8Array {
  const crc = fitCrc(bytes, 0, bytes.length - 2);
  bytes[bytes.length - 2] = crc & 0xff;
  bytes[bytes.length - 1] = crc >> 8;
  return bytes;
}

describe('decodeFit on valid files', () => {
  it('turns a running activity into one Run with session totals and per-second samples', () => {
    const result = decodeFit(run10min);
    if (!result.ok) throw new Error(result.message);
    expect(result).toMatchObject({ partial: false, warnings: [] });
    const [run] = result.runs;
    expect(run).toMatchObject({ sport: 'running', isRun: true, isIndoor: false, utcOffsetS: 3600, partial: false });
    expect(run!.startTime.toISOString()).toBe('2026-03-02T07:00:00.000Z');
    expect(run!.summary).toMatchObject({ distanceM: 1800, elapsedTimeS: 600, movingTimeS: 600, avgCadenceSpm: 170, avgCadenceSource: 'fit-session' });
    expect(run!.samples!.timeS.length).toBe(601);
    expect(run!.samples!.cadenceSpm![10]).toBe(170);
    expect(run!.samples!.speedMps![10]).toBe(3);
    expect(run!.samples!.heartRateBpm![10]).toBe(140);
  });

  it('describes a walk as one Run that does not count as a run', () => {
    const result = decodeFit(buildSyntheticRunFit({ seconds: 60, sport: 'walking', speedMps: () => 1.4, cadenceSpm: () => 110 }));
    expect(result.ok && result.runs.map((r) => [r.sport, r.isRun])).toEqual([['walking', false]]);
  });

  it('marks a treadmill run as indoor', () => {
    const result = decodeFit(buildSyntheticRunFit({ seconds: 60, subSport: 'treadmill' }));
    expect(result.ok && result.runs[0]).toMatchObject({ isRun: true, isIndoor: true, subSport: 'treadmill' });
  });

  it('decodes chained files and keeps only the running session', () => {
    const walk = buildSyntheticRunFit({ seconds: 30, sport: 'walking', startTime: new Date('2026-03-01T07:00:00Z') });
    const result = decodeFit(concat(walk, run10min));
    expect(result.ok && result.runs.map((r) => r.samples?.timeS.length)).toEqual([601]);
  });

  it('accepts a Uint8Array view into a larger buffer (as Node Buffers are)', () => {
    const big = new Uint8Array(run10min.length + 16);
    big.set(run10min, 8);
    expect(decodeFit(big.subarray(8, 8 + run10min.length)).ok).toBe(true);
  });
});

describe('decodeFit on unusable input (never throws)', () => {
  it('refuses an empty buffer with fit_not_fit', () => {
    expect(decodeFit(new Uint8Array(0))).toMatchObject({ ok: false, code: 'fit_not_fit' });
  });

  it('refuses a GPX file with fit_not_fit', () => {
    expect(decodeFit(new TextEncoder().encode('<?xml version="1.0"?><gpx version="1.1"></gpx>'))).toMatchObject({ ok: false, code: 'fit_not_fit' });
  });

  it('refuses input above the size limit before parsing it', () => {
    expect(decodeFit(run10min, { maxBytes: 1000 })).toMatchObject({ ok: false, code: 'fit_too_large' });
    expect(DEFAULT_FIT_MAX_BYTES).toBe(64 * 1024 * 1024);
    expect(decodeFit(new Uint8Array(DEFAULT_FIT_MAX_BYTES + 1))).toMatchObject({ ok: false, code: 'fit_too_large' });
  });

  it('refuses a file with a flipped byte with fit_bad_crc', () => {
    const bad = run10min.slice();
    bad[200] = bad[200]! ^ 0x10;
    expect(decodeFit(bad)).toMatchObject({ ok: false, code: 'fit_bad_crc', message: expect.stringMatching(/checksum/) });
  });

  it('refuses a truncated file with fit_truncated', () => {
    expect(decodeFit(run10min.subarray(0, 500))).toMatchObject({ ok: false, code: 'fit_truncated' });
  });

  it('keeps the first file of a chain whose second file is damaged, flagged partial with a warning', () => {
    const result = decodeFit(concat(run10min, new TextEncoder().encode('garbage after the file')));
    if (!result.ok) throw new Error(result.message);
    expect(result.partial).toBe(true);
    expect(result.runs[0]!.partial).toBe(true);
    expect(result.warnings[0]).toMatch(/fit_bad_chained_header/);
  });

  it('refuses a valid FIT file without a session with fit_no_session', () => {
    const encoder = new Encoder();
    encoder.writeMesg({ mesgNum: 0, type: 'activity', manufacturer: 'development', product: 1, timeCreated: new Date() } as Encodable<FileIdMesg>);
    encoder.writeMesg({ mesgNum: 20, timestamp: new Date(), distance: 1 } as Encodable<RecordMesg>);
    expect(decodeFit(encoder.close())).toMatchObject({ ok: false, code: 'fit_no_session' });
  });

  it('returns a result for every mutated file, even when the CRC is made to match', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let k = 0; k < 200; k++) {
      const bytes = run10min.slice();
      for (let j = 0; j < 1 + (k % 5); j++) bytes[14 + Math.floor(random() * (bytes.length - 16))] = Math.floor(random() * 256);
      const result = decodeFit(withFixedCrc(bytes));
      expect(typeof result.ok).toBe('boolean');
    }
  });

  it('returns fit_not_fit for something that is not bytes at all', () => {
    expect(decodeFit(null as unknown as Uint8Array)).toMatchObject({ ok: false, code: 'fit_not_fit' });
  });
});

describe('decodeFit when no session survives', () => {
  it('reports the damage of a skipped chained file rather than "no session"', () => {
    const encoder = new Encoder();
    encoder.writeMesg({ mesgNum: 0, type: 'settings', manufacturer: 'development', product: 1, timeCreated: new Date() } as Encodable<FileIdMesg>);
    const settingsOnly = encoder.close();
    const damagedRun = run10min.slice(0, 400);
    expect(decodeFit(concat(settingsOnly, damagedRun))).toMatchObject({ ok: false, code: 'fit_truncated' });
  });
});
