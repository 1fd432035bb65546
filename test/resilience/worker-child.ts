/**
 * A worker process for the crash test: the compute queue only, configured from the environment
 * like the real service. The test SIGKILLs it mid-import.
 */
import { loadEnv } from '../../src/config/env.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/lib/logger.js';
import { startWorkers } from '../../workers/main.js';

const env = loadEnv(process.env);
const deps = createDeps(env, createLogger({ level: env.LOG_LEVEL }));
startWorkers(deps, { queues: ['compute'] });
process.stdout.write('worker ready\n');
