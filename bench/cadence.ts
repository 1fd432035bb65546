/**
 * Cadence report for a runner with 5 years of daily runs (each with a cadence histogram and a pain
 * light): median time of a request on loopback against the real app, JSON (target < 50 ms) and the HTML
 * page with the chart (target < 100 ms); CSV and the pure computation are printed for context.
 * Run: `npm run bench -- cadence`.
 */
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { addDays } from '../src/domain/iso-week.js';
import { getCadenceReport } from '../src/services/cadence/index.js';
import { createRunner } from '../src/services/runners.js';
import { insertCadenceRuns, type SeedCadenceRun } from '../test/factories/cadence-runs.js';
import { fmt, median, startBenchService, timeRequests, type ScratchDatabase } from './scratch.js';

const DAYS = 5 * 365 + 1;
const ITERATIONS = 25;
const JSON_TARGET_MS = 50;
const HTML_TARGET_MS = 100;

/**
 * `days` daily runs ending `endDate` with cadence histograms (baseline ~162 spm, slowly rising after the
 * first month, speed 2.8–3.4 m/s, ±5 spm spread in each run) and a pain light each (every 9th day of the
 * year amber, the rest green). Returns the first run's date.
 */
export async function seedCadenceHistory(db: ScratchDatabase['db'], runnerId: string, endDate: string, days: number): Promise<string> {
  const first = addDays(endDate, -(days - 1));
  const runs: SeedCadenceRun[] = [];
  for (let i = 0; i < days; i++) {
    runs.push({
      localDate: addDays(first, i),
      spm: 160 + ((i * 7) % 5) + Math.min(8, Math.max(0, (i - 30) / 60)),
      speedMps: 2.8 + ((i * 13) % 7) / 10,
      spreadSpm: 5,
      distanceM: 5000 + ((i * 7) % 11) * 700,
      elevationLossM: (i % 5) * 20,
    });
  }
  await insertCadenceRuns(db, runnerId, runs);
  await db.execute(sql`
    insert into run_pain (activity_id, runner_id, local_date, during_run, calf_during, light)
    select id, runner_id, local_date, 1, 0, case when extract(doy from local_date)::int % 9 = 0 then 'amber' else 'green' end
    from activities where runner_id = ${runnerId}`);
  return first;
}

export async function benchCadence(): Promise<Record<string, unknown>> {
  const endDate = '2026-11-20';
  const svc = await startBenchService('cadence', { now: () => new Date(`${endDate}T12:00:00Z`), listen: true });
  const { scratch, deps, base, headers } = svc;
  try {
    const runner = await createRunner({ db: scratch.db }, { name: 'five years', timezone: 'Europe/Oslo' });
    const t0 = performance.now();
    const first = await seedCadenceHistory(scratch.db, runner.id, endDate, DAYS);
    await scratch.db.execute(sql`analyze`);
    console.log(`seeded ${DAYS} daily runs with histograms and lights in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const startDate = addDays(first, 21);
    const put = await fetch(`${base}/v1/runners/${runner.id}/cadence-goal`, {
      method: 'PUT',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ startDate }),
    });
    if (put.status !== 201) throw new Error(`PUT cadence-goal → ${put.status} ${await put.text()}`);

    const url = `${base}/v1/runners/${runner.id}/reports/cadence`;
    const json = await timeRequests(url, { ...headers, Accept: 'application/json' }, ITERATIONS);
    const csv = await timeRequests(url, { ...headers, Accept: 'text/csv' }, ITERATIONS);
    const page = await timeRequests(`${url}.html`, headers, ITERATIONS);
    const serviceTimes: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t = performance.now();
      await getCadenceReport(deps, runner.id);
      serviceTimes.push(performance.now() - t);
    }
    const report = await getCadenceReport(deps, runner.id);
    const okJson = json.status === 200 && json.ms < JSON_TARGET_MS;
    const okHtml = page.status === 200 && page.ms < HTML_TARGET_MS;
    const load = loadavg()[0]!.toFixed(1);
    console.log(
      `cadence report JSON (${report.runs.length} runs, ${json.bytes} bytes): median ${fmt(json.ms)} ms per request, ${fmt(json.cpuMs)} ms CPU (target < ${JSON_TARGET_MS} ms, ${fmt(json.ms / JSON_TARGET_MS, 2)} of it) ${okJson ? 'OK' : 'MISSED'}`,
    );
    console.log(
      `cadence report page with chart (${page.bytes} bytes): median ${fmt(page.ms)} ms per request, ${fmt(page.cpuMs)} ms CPU (target < ${HTML_TARGET_MS} ms, ${fmt(page.ms / HTML_TARGET_MS, 2)} of it) ${okHtml ? 'OK' : 'MISSED'}`,
    );
    console.log(`(load average ${load} on ${cpus().length} cores while measuring)`);
    console.log(
      `cadence report CSV (${csv.bytes} bytes): median ${fmt(csv.ms)} ms per request; service alone (DB + computation) ${fmt(median(serviceTimes))} ms`,
    );
    return {
      runs: report.runs.length,
      status: report.goal?.status,
      jsonMs: Number(fmt(json.ms)),
      jsonCpuMs: Number(fmt(json.cpuMs)),
      htmlCpuMs: Number(fmt(page.cpuMs)),
      loadAverage: Number(load),
      jsonTargetMs: JSON_TARGET_MS,
      htmlMs: Number(fmt(page.ms)),
      htmlTargetMs: HTML_TARGET_MS,
      csvMs: Number(fmt(csv.ms)),
      serviceMs: Number(fmt(median(serviceTimes))),
      ok: okJson && okHtml,
    };
  } finally {
    await svc.close();
  }
}
