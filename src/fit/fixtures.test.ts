/**
 * End-to-end checks of decodeFit + deriveRunMetrics against the shared fixtures' manifest (ground truth
 * decoded with @garmin/fitsdk and cross-checked with fit-file-parser). Skipped with a message when the
 * fixtures folder is absent.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitManifest, readFit, type FitManifestFile, type FitManifestSession } from '../../test/fixtures.js';
import { deriveRunMetrics } from '../domain/metrics.js';
import type { Run } from '../domain/run.js';
import { decodeFit } from './decode.js';

const files = HAS_FIXTURES ? fitManifest().files : [];
const isCorrupt = (f: FitManifestFile) => f.category === 'corrupt';
const runningSessions = (f: FitManifestFile) => f.sessions.filter((s) => s.sport === 'running');
/** every file with a running session, incl. the triathlon that crashes the SDK and the multisport file */
const withRuns = files.filter((f) => !isCorrupt(f) && runningSessions(f).length > 0);
const runCases = withRuns.flatMap((f) => runningSessions(f).map((s, i) => ({ file: f.file, index: i, session: s, manifest: f })));

function decodeRuns(name: string): Run[] {
  const result = decodeFit(readFit(name));
  if (!result.ok) throw new Error(`${name}: ${result.code} ${result.message}`);
  return result.runs;
}

const cache = new Map<string, Run[]>();
const runsOf = (name: string): Run[] => cache.get(name) ?? (cache.set(name, decodeRuns(name)), cache.get(name)!);

function within(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected} (±${tolerance})`).toBeLessThanOrEqual(tolerance);
}

if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

describe.skipIf(!HAS_FIXTURES)('FIT fixtures: running sessions match the manifest', () => {
  it('covers every file whose category starts with "run" plus the triathlon and multisport files', () => {
    const names = new Set(withRuns.map((f) => f.file));
    for (const f of files.filter((x) => x.category.startsWith('run'))) expect(names).toContain(f.file);
    expect(names).toContain('decoder-crash-fr255-triathlon.fit');
    expect(runCases.filter((c) => c.file === 'fenix2-multisport.fit')).toHaveLength(2);
  });

  it.each(withRuns.map((f) => [f.file, f] as const))('%s: one Run per running session, all isRun', (name, f) => {
    const runs = runsOf(name);
    expect(runs).toHaveLength(runningSessions(f).length);
    expect(runs.every((r) => r.isRun && r.sport === 'running' && !r.partial)).toBe(true);
  });

  describe.each(runCases.map((c) => [`${c.file} #${c.index}`, c] as const))('%s', (_label, { file, index, session, manifest }) => {
    const run = () => runsOf(file)[index]!;
    const s: FitManifestSession = session;

    it('distance is within 0.5 % of the session total_distance', () => {
      within(deriveRunMetrics(run()).distanceM, s.total_distance_m!, 0.005 * s.total_distance_m!);
    });

    it('the record distances span the session distance within 0.5 %', () => {
      const d = Array.from(run().samples!.distanceM!).filter(Number.isFinite);
      within(d[d.length - 1]! - d[0]!, s.total_distance_m!, 0.005 * s.total_distance_m!);
    });

    it('moving time is within 2 % of total_timer_time', () => {
      within(deriveRunMetrics(run()).movingTimeS, s.total_timer_time_s!, 0.02 * s.total_timer_time_s!);
    });

    it('split times add up to the moving time and the half paces average to the average pace (one clock)', () => {
      const m = deriveRunMetrics(run());
      const splitTimeS = m.splits.reduce((a, x) => a + x.timeS, 0);
      within(splitTimeS, m.movingTimeS, 0.01 * m.movingTimeS);
      within((m.pace.firstHalfSPerKm! + m.pace.secondHalfSPerKm!) / 2, m.avgPaceSPerKm!, 0.01 * m.avgPaceSPerKm!);
    });

    it.skipIf(s.avg_steps_per_min_derived === null)('average cadence is within 1.5 spm of 2 × (avg_cadence + fractional)', () => {
      within(deriveRunMetrics(run()).avgCadenceSpm!, s.avg_steps_per_min_derived!, 1.5);
    });

    it.skipIf(!manifest.elevation_check.device_descent_trustworthy)('elevation loss is within max(5 m, 20 %) of the trusted device total_descent', () => {
      const m = deriveRunMetrics(run());
      within(m.elevationLossM!, s.total_descent_m!, Math.max(5, 0.2 * s.total_descent_m!));
      expect(m.elevationSource).toBe('device');
    });

    it.skipIf(!manifest.elevation_check.device_descent_trustworthy || !run().samples?.altitudeM)(
      'the smoothed record altitude alone also lands within max(5 m, 20 %) of the device descent',
      () => {
        const r = run();
        const m = deriveRunMetrics({ ...r, summary: { ...r.summary, elevationFromDevice: false } });
        expect(m.elevationSource).toBe('stream-smoothed');
        within(m.elevationLossM!, s.total_descent_m!, Math.max(5, 0.2 * s.total_descent_m!));
      },
    );
  });
});

describe.skipIf(!HAS_FIXTURES)('FIT fixtures: records', () => {
  const single = files.filter((f) => !isCorrupt(f) && f.sessions.length === 1 && f.sessions[0]!.sport === 'running');

  it.each(single.map((f) => [f.file, f] as const))('%s: every record lands in the run (count as walked independently)', (name, f) => {
    expect(runsOf(name)[0]!.samples!.timeS.length).toBe(f.records.count_raw_walk);
  });

  const withCadence = single.filter((f) => typeof f.records['mean_nonzero_record_cadence'] === 'number');
  it.each(withCadence.map((f) => [f.file, f] as const))(
    '%s: record cadence is 2 × (strides + fraction): non-zero mean within [manifest, manifest + 1) strides',
    (name, f) => {
      const spm = runsOf(name)[0]!.samples!.cadenceSpm!;
      const nonzero = Array.from(spm).filter((c) => c > 0);
      const strides = nonzero.reduce((a, b) => a + b, 0) / nonzero.length / 2;
      const manifestStrides = f.records['mean_nonzero_record_cadence'] as number; // integer cadence field only
      expect(strides).toBeGreaterThanOrEqual(manifestStrides - 0.01);
      expect(strides).toBeLessThan(manifestStrides + 1);
    },
  );

  it('decodes the 755 compressed-timestamp records of the FR70 file at 5-s spacing', () => {
    const samples = runsOf('fr70-run-compressed-timestamps.fit')[0]!.samples!;
    expect(samples.timeS.length).toBe(755);
    const steps = new Set(Array.from(samples.timeS.subarray(1), (t, i) => t - samples.timeS[i]!));
    expect([...steps].every((dt) => dt > 0 && dt <= 120)).toBe(true);
    expect(samples.cadenceSpm).not.toBeNull();
  });
});

describe.skipIf(!HAS_FIXTURES)('FIT fixtures: non-running files and device elevation trust', () => {
  const others = files.filter((f) => !isCorrupt(f) && runningSessions(f).length === 0);

  it.each(others.map((f) => [f.file, f] as const))('%s: one Run with isRun false and the session sport', (name, f) => {
    const runs = runsOf(name);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.isRun).toBe(false);
    expect(runs[0]!.sport).toBe(f.sessions[0]!.sport);
  });

  it.each(files.filter((f) => !isCorrupt(f)).map((f) => [f.file, f] as const))(
    '%s: device totals are trusted exactly when the manifest says device_descent_trustworthy',
    (name, f) => {
      expect(runsOf(name).every((r) => r.summary.elevationFromDevice)).toBe(f.elevation_check.device_descent_trustworthy);
    },
  );
});

describe.skipIf(!HAS_FIXTURES)('FIT fixtures: damaged files', () => {
  it('refuses a file whose CRC does not match with fit_bad_crc', () => {
    expect(decodeFit(readFit('corrupt-bad-file-crc.fit'))).toMatchObject({ ok: false, code: 'fit_bad_crc' });
  });

  it('refuses a truncated file with fit_truncated', () => {
    expect(decodeFit(readFit('corrupt-truncated-eof.fit'))).toMatchObject({ ok: false, code: 'fit_truncated' });
  });

  it('keeps the verified first file of a chain whose second header is damaged, flagged partial', () => {
    const result = decodeFit(readFit('corrupt-chained-bad-second-header.fit'));
    if (!result.ok) throw new Error(result.message);
    expect(result.partial).toBe(true);
    expect(result.warnings.join()).toMatch(/fit_bad_chained_header/);
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]).toMatchObject({ partial: true, isRun: true });
    expect(result.runs[0]!.summary.distanceM).toBeCloseTo(
      files.find((f) => f.file === 'corrupt-chained-bad-second-header.fit')!.sessions[0]!.total_distance_m!,
      2,
    );
  });
});
