import { describe, expect, it } from 'vitest';
import { deriveRunMetrics } from '../../domain/metrics.js';
import { GarminActivitySummary, garminSummaryToRun } from './to-run.js';

// the activity summary shape Garmin documents (push body / pull response)
const summary = GarminActivitySummary.parse({
  summaryId: '5001968355',
  activityId: 5001968355,
  activityType: 'RUNNING',
  activityName: 'Easy run',
  startTimeInSeconds: 1777615181,
  startTimeOffsetInSeconds: 3600,
  durationInSeconds: 2802,
  distanceInMeters: 8012.4,
  averageSpeedInMetersPerSecond: 2.86,
  averageRunCadenceInStepsPerMinute: 169.0,
  totalElevationGainInMeters: 61.0,
  totalElevationLossInMeters: 63.0,
  manual: false,
});

describe('garminSummaryToRun', () => {
  it('uses totalElevationLossInMeters as the device loss', () => {
    const m = deriveRunMetrics(garminSummaryToRun(summary));
    expect(m).toMatchObject({ elevationLossM: 63, elevationGainM: 61, elevationSource: 'device', elevationMethod: 'device-total' });
    expect(m.descentPerKm).toBeCloseTo(63 / 8.0124, 6);
  });

  it('has no loss when the summary gives none (no guess from the gain)', () => {
    const m = deriveRunMetrics(garminSummaryToRun({ ...summary, totalElevationLossInMeters: null }));
    expect(m.elevationLossM).toBeNull();
    expect(m.elevationSource).toBe('none');
  });

  it('maps run types, indoor runs, cadence (per-leg values doubled) and the offset', () => {
    const run = garminSummaryToRun(summary);
    expect(run).toMatchObject({ isRun: true, isIndoor: false, sport: 'running', utcOffsetS: 3600 });
    expect(run.summary.avgCadenceSpm).toBe(169);
    expect(garminSummaryToRun({ ...summary, averageRunCadenceInStepsPerMinute: 84 }).summary.avgCadenceSpm).toBe(168);
    expect(garminSummaryToRun({ ...summary, activityType: 'TREADMILL_RUNNING' })).toMatchObject({
      isRun: true,
      isIndoor: true,
      sport: 'running',
      subSport: 'treadmill',
    });
    expect(garminSummaryToRun({ ...summary, activityType: 'WALKING' })).toMatchObject({ isRun: false, sport: 'walking' });
  });
});
