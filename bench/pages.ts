/**
 * The runner's pages for a runner with ~5 years of daily runs (cadence histograms, pain lights, every
 * week computed): the home page, the weekly view (`GET /v1/runners/:id/weeks`, a year of weeks), the
 * cadence page with its chart and the shared page a physiotherapist opens. Median and p95 of a request
 * on loopback against the real app, signed in with a real session cookie, and the bytes of each answer.
 * Run: `npm run bench -- pages`.
 */
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { addDays, isoWeekOf } from '../src/domain/iso-week.js';
import { cookieName } from '../src/http/middleware/session.js';
import { recomputeWeek } from '../src/services/recompute-week.js';
import { createRunner } from '../src/services/runners.js';
import { consumeMagicLink, createMagicLink } from '../src/services/sessions/index.js';
import { createShare } from '../src/services/shares.js';
import { seedCadenceHistory } from './cadence.js';
import { fmt, startBenchService, timeRequests } from './scratch.js';

const DAYS = 5 * 365 + 1;
const ITERATIONS = 25;

export async function benchPages(): Promise<Record<string, unknown>> {
  const endDate = '2026-11-20';
  const now = () => new Date(`${endDate}T12:00:00Z`);
  const svc = await startBenchService('pages', { logLevel: 'silent', now, listen: true });
  const { scratch, deps, base, headers } = svc;
  try {
    const runner = await createRunner({ db: scratch.db }, { name: 'five years', timezone: 'Europe/Oslo' });
    const t0 = performance.now();
    const first = await seedCadenceHistory(scratch.db, runner.id, endDate, DAYS);
    // every week computed by the service itself, as ingest leaves them
    const weeks = new Set<string>();
    for (let d = first; d <= endDate; d = addDays(d, 7)) weeks.add(isoWeekOf(d).week);
    weeks.add(isoWeekOf(endDate).week);
    const quiet = { db: scratch.db, enqueue: async () => undefined, now, notifyConfigured: false };
    for (const week of [...weeks].sort()) await recomputeWeek(quiet, runner.id, week);
    await scratch.db.execute(sql`analyze`);
    console.log(`seeded ${DAYS} daily runs with histograms and lights, ${weeks.size} weeks computed, in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const put = await fetch(`${base}/v1/runners/${runner.id}/cadence-goal`, {
      method: 'PUT',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ startDate: addDays(endDate, -120) }),
    });
    if (put.status !== 201) throw new Error(`PUT cadence-goal → ${put.status} ${await put.text()}`);
    const link = await createMagicLink(deps, runner.id);
    const session = await consumeMagicLink(deps, link.url.split('/').pop()!);
    if (!session) throw new Error('the magic link did not sign in');
    const cookie = { Cookie: `${cookieName(deps.env.PUBLIC_URL)}=${session.sessionToken}` };
    const share = await createShare(deps, runner.id, { recipient: 'bench physio', sections: ['diary', 'weeks', 'warnings', 'pain', 'cadence'], consent: true });

    const pages: [string, string, Record<string, string>][] = [
      ['home', `${base}/`, cookie],
      ['weeks', `${base}/v1/runners/${runner.id}/weeks`, { ...headers, Accept: 'application/json' }],
      ['cadence', `${base}/cadence`, cookie],
      ['shared', `${base}${new URL(share.url).pathname}`, {}],
    ];
    const results: Record<string, unknown> = {};
    for (const [name, url, h] of pages) {
      const r = await timeRequests(url, h, ITERATIONS);
      if (r.status !== 200) throw new Error(`${name}: GET ${url} → ${r.status}`);
      console.log(
        `${name.padEnd(8)} ${String(r.bytes).padStart(9)} bytes  median ${fmt(r.ms).padStart(7)} ms  p95 ${fmt(r.p95Ms).padStart(7)} ms  (${fmt(r.cpuMs)} ms CPU in the process)`,
      );
      results[name] = { ms: Number(fmt(r.ms)), p95Ms: Number(fmt(r.p95Ms)), cpuMs: Number(fmt(r.cpuMs)), bytes: r.bytes };
    }
    const load = loadavg()[0]!.toFixed(1);
    console.log(`(${ITERATIONS} requests each after 3 warm-ups; load average ${load} on ${cpus().length} cores while measuring)`);
    return { runs: DAYS, weeksComputed: weeks.size, ...results, loadAverage: Number(load) };
  } finally {
    await svc.close();
  }
}
