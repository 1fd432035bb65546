import { afterAll, describe, expect, it } from 'vitest';
import { createFitDecoderPool } from './decode-pool.js';
import { decodeFit } from './decode.js';
import { buildSyntheticRunFit } from './synthetic.js';

const pool = createFitDecoderPool(2);
afterAll(async () => {
  await pool.close();
});

describe('FIT decoder thread pool', () => {
  it('returns what decoding on this thread returns, samples included', async () => {
    const bytes = buildSyntheticRunFit({ seconds: 600, startTime: new Date('2026-11-20T06:00:00Z'), altitudeM: (t) => 50 + t / 100 });
    const inline = decodeFit(bytes);
    const threaded = await pool.decode(bytes);
    expect(threaded.ok).toBe(true);
    if (!threaded.ok || !inline.ok) return;
    expect(threaded.runs).toHaveLength(inline.runs.length);
    const [a, b] = [threaded.runs[0]!, inline.runs[0]!];
    expect(a.startTime).toEqual(b.startTime);
    expect(a.summary).toEqual(b.summary);
    expect(Array.from(a.samples!.timeS)).toEqual(Array.from(b.samples!.timeS));
    expect(Array.from(a.samples!.cadenceSpm!)).toEqual(Array.from(b.samples!.cadenceSpm!));
  });

  it('decodes several files at once and keeps each answer with its request', async () => {
    const files = [300, 900, 120, 600].map((s, i) => buildSyntheticRunFit({ seconds: s, startTime: new Date(Date.UTC(2026, 10, 1 + i, 6)) }));
    const results = await Promise.all(files.map((f) => pool.decode(f)));
    const elapsed = (r: ReturnType<typeof decodeFit>) => (r.ok ? r.runs[0]!.summary.elapsedTimeS : null);
    expect(results.map(elapsed)).toEqual(files.map((f) => elapsed(decodeFit(f))));
    expect(new Set(results.map(elapsed)).size).toBe(4);
  });

  it('answers a corrupt file with a failure, not a dead thread', async () => {
    const r = await pool.decode(new TextEncoder().encode('not a fit file at all, just text'));
    expect(r).toMatchObject({ ok: false, code: 'fit_not_fit' });
    const after = await pool.decode(buildSyntheticRunFit({ seconds: 60 }));
    expect(after.ok).toBe(true);
  });
});

describe('FIT decoder thread heap limit', () => {
  it('fails a file that outgrows the thread heap with fit_decode_error, keeps the process and replaces the thread', async () => {
    // A 10-hour 1 Hz run needs far more than 12 MB of decoded messages in the SDK.
    const small = createFitDecoderPool(1, { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 12 });
    try {
      const big = buildSyntheticRunFit({ seconds: 36_000, startTime: new Date('2026-11-01T06:00:00Z') });
      const r = await small.decode(big);
      expect(r).toMatchObject({ ok: false, code: 'fit_decode_error' });
      if (!r.ok) expect(r.message).toMatch(/memory|exited/i);
      const after = await small.decode(buildSyntheticRunFit({ seconds: 60 }));
      expect(after.ok).toBe(true);
    } finally {
      await small.close();
    }
  });
});
