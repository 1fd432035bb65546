/**
 * Pure-domain benchmark of `evaluateWeek`: is the weekly recompute's CPU cost independent of how much
 * history a runner has? (a) a runner with one prior week; (b) a runner with 5 years of daily runs, fed only
 * the runs of `evaluationWindow(week)` as the DB query would return them. For contrast, (c) hands (b)'s
 * whole history to the evaluator (it filters, so this shows what the window saves).
 * The DB-backed end-to-end version lives with the lead. Run: `npx tsx bench/week.ts`.
 */
import { pathToFileURL } from 'node:url';
import { addDays, parseIsoWeek } from '../src/domain/iso-week.js';
import { evaluateWeek, evaluationWindow } from '../src/domain/rules/index.js';
import type { WeekRun } from '../src/domain/week.js';

const WEEK = '2026-W47';
const TODAY = '2026-11-20'; // Friday: week-to-date evaluation, the common live case

/** Deterministic pseudo-random numbers (LCG) so every run of the bench sees the same data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeRun(id: number, localDate: string, rand: () => number): WeekRun {
  const distanceM = 5000 + Math.round(rand() * 7000);
  return {
    id: `run-${id}`,
    localDate,
    startTime: new Date(`${localDate}T06:${String(10 + (id % 40)).padStart(2, '0')}:00Z`),
    distanceM,
    movingTimeS: Math.round((distanceM / 1000) * (300 + rand() * 60)),
    elevationLossM: Math.round(rand() * 120),
    steps: Math.round(distanceM * 1.4),
    runCadenceSpm: 160 + rand() * 12,
    cadenceQualifies: true,
    surges: Math.floor(rand() * 4),
    isTrail: rand() < 0.2,
  };
}

/** Daily runs from `fromDate` through the Friday of WEEK. */
function dailyRuns(fromDate: string, seed: number): WeekRun[] {
  const rand = lcg(seed);
  const runs: WeekRun[] = [];
  for (let d = fromDate, i = 0; d <= TODAY; d = addDays(d, 1), i++) runs.push(makeRun(i, d, rand));
  return runs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Median microseconds per call over `batches` batches of `perBatch` calls, after a warm-up. */
function timeIt(fn: () => unknown, batches = 40, perBatch = 200): number {
  for (let i = 0; i < perBatch * 5; i++) fn();
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / perBatch);
  }
  return median(samples);
}

export async function benchWeekPure(): Promise<Record<string, unknown>> {
  const week = parseIsoWeek(WEEK);
  const window = evaluationWindow(week);

  const newcomer = dailyRuns(addDays(week.start, -7), 1); // one prior week + this week to date
  const veteranAll = dailyRuns(addDays(week.start, -5 * 365), 2);
  const veteranWindow = veteranAll.filter((r) => r.localDate >= window.from && r.localDate <= window.to);

  const inputOf = (runs: WeekRun[]) => ({ week, runs, todayLocalDate: TODAY });
  // Sanity: the veteran's evaluation is the same whether given the window or everything.
  const a = evaluateWeek(inputOf(veteranWindow));
  const b = evaluateWeek(inputOf(veteranAll));
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('window and full history disagree');

  const oneWeekUs = timeIt(() => evaluateWeek(inputOf(newcomer)));
  const fiveYearsWindowUs = timeIt(() => evaluateWeek(inputOf(veteranWindow)));
  const fiveYearsAllUs = timeIt(() => evaluateWeek(inputOf(veteranAll)), 20, 20);

  return {
    week: WEEK,
    window,
    oneWeekHistory: { runsPassed: newcomer.length, medianUs: round(oneWeekUs) },
    fiveYearsDaily: { runsInHistory: veteranAll.length, runsPassed: veteranWindow.length, medianUs: round(fiveYearsWindowUs) },
    ratioFiveYearsToOneWeek: round(fiveYearsWindowUs / oneWeekUs),
    contrastWholeHistoryPassed: { runsPassed: veteranAll.length, medianUs: round(fiveYearsAllUs) },
  };
}

const round = (x: number): number => Math.round(x * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchWeekPure();
  console.log(JSON.stringify(r, null, 2));
}
