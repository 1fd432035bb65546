import { describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitManifest, readFit } from '../../../test/fixtures.js';
import { stravaFromFitRun } from '../../../test/factories/strava-from-fit.js';
import { deriveRunMetrics } from '../../domain/metrics.js';
import { decodeFit } from '../../fit/decode.js';
import { toRun } from './to-run.js';

/**
 * Real watch runs served as Strava would serve them (activity with the device's gain as
 * total_elevation_gain, streams from the device's records): the Strava mapping's elevation loss must
 * land within max(5 m, 20 %) of the device's own trustworthy descent.
 */
describe.skipIf(!HAS_FIXTURES)('Strava elevation loss against device totals (shared FIT fixtures)', () => {
  if (!HAS_FIXTURES) {
    console.warn(FIXTURES_MISSING_MESSAGE);
    return;
  }
  const cases = fitManifest()
    .files.filter((f) => f.elevation_check.device_descent_trustworthy)
    .flatMap((f) => {
      const decoded = decodeFit(readFit(f.file));
      if (!decoded.ok) return [];
      const sessions = f.sessions.filter((s) => s.sport === 'running');
      return decoded.runs
        .map((run, i) => ({ file: f.file, run, session: sessions[i] }))
        .filter(
          (c) =>
            c.run.isRun &&
            c.run.samples?.altitudeM &&
            c.session?.total_ascent_m != null &&
            c.session.total_descent_m != null &&
            c.run.summary.distanceM! >= 1000,
        );
    });

  it('finds the paired runs (fenix 2, FR965, the FR255 triathlon run leg)', () => {
    expect(cases.map((c) => c.file).sort()).toEqual(['decoder-crash-fr255-triathlon.fit', 'fenix2-run.fit', 'fr965-run-stamina.fit']);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s: gain − net rise matches the device descent; the stream alone undercounts', (_name, c) => {
    const device = c.session!.total_descent_m!;
    const { activity, streams } = stravaFromFitRun(c.run, { totalElevationGainM: c.session!.total_ascent_m! });
    const m = deriveRunMetrics(toRun(activity, streams));
    expect(m.elevationMethod).toBe('summary-gain-minus-net-rise');
    expect(Math.abs(m.elevationLossM! - device)).toBeLessThanOrEqual(Math.max(5, 0.2 * device));
    const splitSum = m.splits.reduce((a, s) => a + (s.elevationLossM ?? 0), 0);
    expect(splitSum).toBeCloseTo(m.elevationLossM!, 6);

    const streamOnly = deriveRunMetrics(toRun({ ...activity, total_elevation_gain: null }, streams));
    expect(streamOnly.elevationMethod).toBe('hysteresis-5m');
    expect(streamOnly.elevationLossM!).toBeLessThan(m.elevationLossM!);
  });
});
