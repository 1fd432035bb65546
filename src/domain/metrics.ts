/**
 * Everything derived from one Run (docs/metrics.md; docs/api.md "Activity", metrics). Pure: the Run in, numbers out.
 */
import type { CadenceSource, Run, RunMetrics, Samples, Split } from './run.js';
import { cadenceFactorFor, cadenceQuality, runCadence, type RunCadence } from './cadence.js';
import {
  HYSTERESIS_BAROMETRIC_M,
  HYSTERESIS_GPS_M,
  SUMMARY_GAIN_METHOD,
  hysteresisGainLoss,
  smoothAltitude,
  summaryGainElevation,
  type GainLoss,
} from './elevation.js';
import { cumulativeDistance, sampleTiming, type SampleTiming } from './moving.js';
import { kmSplits, paceChanges, paceSPerKm, SPLIT_DISTANCE_M, withSplitElevation } from './pace.js';

const NO_PACE = { firstHalfSPerKm: null, secondHalfSPerKm: null, driftPct: null, cvPct: null, surges: 0 };

function lastFinite(values: Float64Array | null): number | null {
  if (!values) return null;
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i]!)) return values[i]!;
  return null;
}

function hasValue(values: Float64Array | null, min = 0): boolean {
  return values !== null && values.some((v) => v > min);
}

/** The per-sample cadence channel: the samples' own hint, else the summary's channel family. */
function recordCadenceSource(run: Run, samples: Samples): CadenceSource {
  if (samples.cadenceSource) return samples.cadenceSource;
  const s = run.summary.avgCadenceSource;
  return s === 'strava-summary' || s === 'strava-stream' ? 'strava-stream' : 'fit-record';
}

interface ElevationResult {
  total: GainLoss | null;
  source: RunMetrics['elevationSource'];
  method: string | null;
  perSplit: GainLoss[] | null;
}

/**
 * Device totals when the decoder judged them trustworthy (summary.elevationFromDevice); else, for a
 * source that gives its own gain but no loss (Strava), loss = gain − net rise of the smoothed stream
 * (summaryGainElevation); else the smoothed record altitude with hysteresis (1 m barometric, 5 m
 * GPS/database); indoor runs are 0 with source 'none' (docs/metrics.md "Which activities count", "Elevation gain and loss"). Per-split values come
 * from the smoothed records (scaled to the totals for the summary-gain method).
 */
function deriveElevation(run: Run, distanceM: Float64Array | null, timing: SampleTiming | null, splitCount: number): ElevationResult {
  const zero = (): GainLoss => ({ gainM: 0, lossM: 0 });
  if (run.isIndoor) return { total: zero(), source: 'none', method: 'indoor', perSplit: Array.from({ length: splitCount }, zero) };
  const samples = run.samples;
  const smoothed = samples && timing ? smoothAltitude(samples, timing.moving, distanceM) : null;
  const threshold = samples?.altitudeKind === 'barometric' ? HYSTERESIS_BAROMETRIC_M : HYSTERESIS_GPS_M;
  let fromRecords: GainLoss | null = null;
  let perSplit: GainLoss[] | null = null;
  if (smoothed) {
    let bucket: Float64Array | undefined;
    if (smoothed.basis === 'distance' && distanceM && splitCount > 0) {
      perSplit = Array.from({ length: splitCount }, zero);
      const d0 = distanceM[0]!;
      bucket = smoothed.position.map((p) => Math.min(splitCount - 1, Math.max(0, Math.floor((p - d0) / SPLIT_DISTANCE_M))));
    }
    fromRecords = hysteresisGainLoss(smoothed.altitudeM, threshold, bucket, perSplit ?? undefined);
  }
  const { totalAscentM, totalDescentM, elevationFromDevice } = run.summary;
  if (elevationFromDevice && totalAscentM !== null && totalDescentM !== null) {
    return { total: { gainM: totalAscentM, lossM: totalDescentM }, source: 'device', method: 'device-total', perSplit };
  }
  if (run.summary.elevationGainFromSummary && totalAscentM !== null && Number.isFinite(totalAscentM) && smoothed) {
    const s = summaryGainElevation(totalAscentM, smoothed, perSplit);
    return { total: s.total, source: 'summary', method: SUMMARY_GAIN_METHOD, perSplit: s.perSplit };
  }
  if (fromRecords) return { total: fromRecords, source: 'stream-smoothed', method: `hysteresis-${threshold}m`, perSplit };
  return { total: null, source: 'none', method: null, perSplit: null };
}

/**
 * Average cadence: the source summary's average when it has one (the number the runner sees on the watch;
 * devices disagree on how they average: the FR965 averages over timer time including standing zeros,
 * the FR70 over moving time only, so no single record formula reproduces both), else the timer-weighted
 * record mean. Running cadence, walk share, steps and quality always come from the samples when present.
 */
function cadenceMetrics(run: Run, cadence: RunCadence | null, movingTimeS: number) {
  const summaryAvg = run.summary.avgCadenceSpm !== null && run.summary.avgCadenceSpm > 0 ? run.summary.avgCadenceSpm : null;
  const recordSource = cadence && run.samples && cadence.avgCadenceSpm !== null ? recordCadenceSource(run, run.samples) : null;
  const source: CadenceSource = summaryAvg !== null ? run.summary.avgCadenceSource : (recordSource ?? 'none');
  const avgCadenceSpm = summaryAvg ?? (recordSource ? cadence!.avgCadenceSpm : null);
  return {
    avgCadenceSpm,
    cadenceSource: source,
    cadenceFactor: cadenceFactorFor(source, run.isRun),
    cadenceQuality: recordSource ? cadence!.quality : cadenceQuality(avgCadenceSpm),
    runCadenceSpm: recordSource ? cadence!.runCadenceSpm : null,
    runningSampleTimeS: recordSource ? cadence!.runningTimeS : 0,
    runSpeedMps: recordSource ? cadence!.runSpeedMps : null,
    cadenceHistogram: recordSource ? cadence!.histogram : null,
    walkShare: recordSource ? cadence!.walkShare : null,
    // docs/metrics.md "Volume": Σ spm·Δt/60 over moving samples, fallback avg_spm × moving_time / 60
    steps: recordSource ? cadence!.steps : avgCadenceSpm !== null ? (avgCadenceSpm * movingTimeS) / 60 : null,
  };
}

/**
 * The clock splits and half-paces run on, chosen to match the clock of the average pace: a FIT
 * session's moving time is the device timer (which keeps running through short stops when auto-pause
 * is off), Strava's `moving_time` excludes stops. Whichever of the samples' timer time and detected
 * moving time is closer to the source's moving time is used, so split times add up to it.
 */
export function paceClock(timing: SampleTiming, sourceMovingTimeS: number | null): SampleTiming {
  if (sourceMovingTimeS === null) return timing;
  const timerCloser = Math.abs(timing.timerTimeS - sourceMovingTimeS) < Math.abs(timing.movingTimeS - sourceMovingTimeS);
  return timerCloser ? { ...timing, moving: timing.timer, movingTimeS: timing.timerTimeS } : timing;
}

/**
 * Derives a run's metrics (docs/metrics.md):
 * distance = summary distance, else last sample distance, else ∫ speed dt; elapsed = summary, else span of
 * samples; moving = summary timer/moving time, else moving.ts detection; avg speed = distance / moving,
 * avg pace = moving / km; avg cadence = summary average, else timer-weighted sample mean (cadenceMetrics);
 * run cadence, walk share and steps (Σ spm·Δt/60 over moving samples, else avg × moving / 60) from the
 * samples; elevation per deriveElevation; splits and pace changes from the
 * samples' cumulative distance.
 */
export function deriveRunMetrics(run: Run): RunMetrics {
  const samples = run.samples && run.samples.timeS.length > 0 ? run.samples : null;
  const timing = samples ? sampleTiming(samples) : null;
  const distanceSeries = samples && timing ? cumulativeDistance(samples, timing) : null;
  const span = samples ? samples.timeS[samples.timeS.length - 1]! - samples.timeS[0]! : 0;

  const distanceM = run.summary.distanceM ?? lastFinite(samples?.distanceM ?? null) ?? lastFinite(distanceSeries) ?? 0;
  const elapsedTimeS = run.summary.elapsedTimeS ?? span;
  const movingTimeS = run.summary.movingTimeS ?? timing?.movingTimeS ?? elapsedTimeS;
  const avgPaceSPerKm = paceSPerKm(distanceM, movingTimeS);

  const cadence = samples && timing && hasValue(samples.cadenceSpm) ? runCadence(samples, timing) : null;
  const cad = cadenceMetrics(run, cadence, movingTimeS);

  let splits: Split[] = [];
  let pace: RunMetrics['pace'] = NO_PACE;
  if (samples && timing && distanceSeries) {
    const clock = paceClock(timing, run.summary.movingTimeS);
    splits = kmSplits({ distanceM: distanceSeries, cadenceSpm: samples.cadenceSpm, timing: clock });
    pace = paceChanges(samples.timeS, distanceSeries, clock, splits);
  }
  const elevation = deriveElevation(run, distanceSeries, timing, splits.length);
  splits = withSplitElevation(splits, elevation.perSplit);

  const km = distanceM / 1000;
  return {
    distanceM,
    elapsedTimeS,
    movingTimeS,
    avgSpeedMps: movingTimeS > 0 && distanceM > 0 ? distanceM / movingTimeS : null,
    avgPaceSPerKm,
    ...cad,
    stepsPerKm: cad.steps !== null && km > 0 ? cad.steps / km : null,
    elevationGainM: elevation.total?.gainM ?? null,
    elevationLossM: elevation.total?.lossM ?? null,
    elevationSource: elevation.source,
    elevationMethod: elevation.method,
    descentPerKm: elevation.total && km > 0 ? elevation.total.lossM / km : null,
    splits,
    pace,
    partial: run.partial,
  };
}
