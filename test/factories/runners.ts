import type { Db } from '../../src/db/client.js';
import { createRunner } from '../../src/services/runners.js';

let n = 0;
/** A runner with sensible defaults; override what the test is about. */
export async function buildRunner(db: Db, overrides: { name?: string; timezone?: string } = {}) {
  n += 1;
  return createRunner({ db }, { name: overrides.name ?? `Runner ${n}`, timezone: overrides.timezone ?? 'Europe/Oslo' });
}
