import type { Server } from 'node:http';
import { loadEnvOrExit, prepareDatabase } from './bootstrap.js';
import { closeDeps, createDeps } from './deps.js';
import { createApp } from './http/app.js';
import { createMetricsApp } from './http/routes/admin.js';
import { createMetrics } from './services/metrics.js';
import { createLogger } from './lib/logger.js';
import { installShutdown, type ShutdownStep } from './lib/shutdown.js';
import { keepSchedules } from '../workers/schedules.js';

/**
 * The service entry: API, workers or both (ROLE), after the database is created and migrated. The
 * workers (and through them every processor, the FIT decoder and the provider sync code) are loaded
 * only for ROLE=worker|all, with a dynamic import: an API process never loads them. ESLint keeps
 * static imports of workers/main, workers/registry and workers/processors out of this file and of
 * src/http, and test/entry-points.test.ts checks the whole static import graph.
 */
async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const log = createLogger({ level: env.LOG_LEVEL });
  await prepareDatabase(env, log);
  const deps = createDeps(env, log);

  if (env.generated.apiKey) log.warn({ apiKey: env.generated.apiKey }, 'API_KEYS not set: generated a development key (saved in .stridesync-dev.json)');
  if (env.generated.tokenEncryptionKey) log.warn('TOKEN_ENCRYPTION_KEY not set: generated a development key (saved in .stridesync-dev.json)');
  log.info(
    {
      strava: env.strava ? 'on' : 'off (set STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET, STRAVA_VERIFY_TOKEN)',
      garmin: env.garmin ? 'on' : 'off (set GARMIN_CLIENT_ID, GARMIN_CLIENT_SECRET, GARMIN_WEBHOOK_SECRET)',
      notify: env.NOTIFY_WEBHOOK_URL ? 'on' : 'off (set NOTIFY_WEBHOOK_URL)',
    },
    'integrations',
  );

  const steps: ShutdownStep[] = [];
  let server: Server | undefined;
  const metrics = createMetrics(deps);
  if (env.ROLE === 'api' || env.ROLE === 'all') {
    const app = createApp(deps, { metrics });
    server = app.listen(env.PORT, () => log.info({ port: env.PORT, role: env.ROLE, url: env.PUBLIC_URL }, 'listening'));
    server.on('error', (err) => {
      log.fatal({ err }, 'HTTP server failed');
      process.exit(1);
    });
    const s = server;
    steps.push({
      name: 'http',
      run: () =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        }),
    });
  }
  const redisConnections = [deps.redis];
  if (env.ROLE === 'worker' || env.ROLE === 'all') {
    const { startWorkers } = await import('../workers/main.js');
    const workers = startWorkers(deps);
    metrics.observeWorkers(workers.workers);
    if (env.ROLE === 'worker') {
      // A worker-only process serves /metrics alone on PORT, so its job series can be scraped.
      const m = createMetricsApp(deps, metrics).listen(env.PORT, () => log.info({ port: env.PORT, role: env.ROLE }, 'metrics listening'));
      m.on('error', (err) => log.warn({ err }, 'metrics server failed'));
      steps.push({
        name: 'metrics',
        run: () =>
          new Promise<void>((resolve) => {
            m.close(() => resolve());
            m.closeIdleConnections();
          }),
      });
    }
    redisConnections.push(workers.connection);
    steps.push({ name: 'workers', run: () => workers.close() });
  }
  // Every role keeps the schedules alive, now and after every Redis reconnect.
  const schedules = keepSchedules(deps, redisConnections);
  await schedules.ready;
  steps.unshift({ name: 'schedules', run: async () => schedules.stop() });
  steps.push({ name: 'connections', run: () => closeDeps(deps) });
  installShutdown(log, steps);
}

main().catch((err: unknown) => {
  process.stderr.write(`stridesync: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
