import { pathToFileURL } from 'node:url';
import { createRunner } from '../src/services/runners.js';
import { startWorkers } from '../workers/main.js';
import { fmt, startBenchService } from './scratch.js';
import { buildSyntheticRunFit } from '../src/fit/synthetic.js';
import { createFitDecoderPool } from '../src/fit/decode-pool.js';

/**
 * End to end: N distinct 1-hour runs POSTed to the upload route of a real server on loopback, through
 * BullMQ to real workers (compute concurrency 2) and into Postgres; activities/s from the first upload
 * to the last `ready` row.
 */
export async function benchPipeline(copies = 200): Promise<Record<string, unknown>> {
  const svc = await startBenchService('pipeline', { env: { WORKER_CONCURRENCY: '2' }, fitDecoder: createFitDecoderPool(2), listen: true });
  const { scratch, deps, base } = svc;
  const workers = startWorkers(deps, { queues: ['compute'], concurrency: { compute: 2 } });
  try {
    const runner = await createRunner(deps, { name: 'bench', timezone: 'Europe/Oslo' });
    const files = Array.from({ length: copies }, (_, i) =>
      buildSyntheticRunFit({ startTime: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000), seconds: 3600, altitudeM: (t) => 100 + 15 * Math.sin(t / 300) }),
    );
    const t0 = performance.now();
    for (const bytes of files) {
      const res = await fetch(`${base}/v1/runners/${runner.id}/uploads`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench', 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
    }
    const uploadedMs = performance.now() - t0;
    for (;;) {
      const { rows } = await scratch.pool.query<{ n: number }>(`select count(*)::int as n from activities where status in ('ready','failed')`);
      if (rows[0]!.n >= copies) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const totalMs = performance.now() - t0;
    const { rows: failed } = await scratch.pool.query<{ n: number }>(`select count(*)::int as n from activities where status = 'failed'`);
    const perS = copies / (totalMs / 1000);
    console.log(
      `pipeline: ${copies} × 1-hour runs upload→queue→worker(2)→Postgres in ${fmt(totalMs / 1000)} s = ${fmt(perS, 1)} activities/s (uploads alone ${fmt(uploadedMs / 1000)} s; failed ${failed[0]!.n}; file ${files[0]!.length} bytes)`,
    );
    return { copies, seconds: totalMs / 1000, activitiesPerS: perS, failed: failed[0]!.n };
  } finally {
    await workers.close();
    await svc.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchPipeline(Number(process.argv[2] ?? 200));
}
