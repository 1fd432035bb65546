import { withDevSecrets, saveDevSecrets } from './config/dev-secrets.js';
import { ConfigError, loadEnv, type Env } from './config/env.js';
import { createDatabase, ensureDatabase, migrateDatabase } from './db/client.js';
import type { Logger } from './lib/logger.js';

/** Read the environment (plus development secrets) or exit with one line naming what is wrong. */
export function loadEnvOrExit(): Env {
  try {
    const source = withDevSecrets(process.env);
    const env = loadEnv(source);
    saveDevSecrets(env.generated, source);
    return env;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`stridesync: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Create the database if it is missing and apply migrations; retries while Postgres is starting. */
export async function prepareDatabase(env: Env, log: Logger, opts: { attempts?: number; delayMs?: number } = {}): Promise<void> {
  const attempts = opts.attempts ?? 30;
  for (let i = 1; ; i++) {
    try {
      const created = await ensureDatabase(env.DATABASE_URL);
      if (created) log.info({ database: new URL(env.DATABASE_URL).pathname.slice(1) }, 'database created');
      const database = createDatabase(env.DATABASE_URL, { max: 1, applicationName: 'stridesync-migrate' });
      try {
        await migrateDatabase(database.db);
      } finally {
        await database.close();
      }
      log.info('migrations applied');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const retryable = code === 'ECONNREFUSED' || code === '57P03' || code === 'ETIMEDOUT' || code === 'ENOTFOUND';
      if (!retryable || i >= attempts) throw err;
      log.warn({ attempt: i, err }, 'Postgres not ready; retrying');
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2_000));
    }
  }
}
