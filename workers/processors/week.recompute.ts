import { recomputeWeek } from '../../src/services/recompute-week.js';
import type { Processor } from '../types.js';

export const weekRecompute: Processor<'week.recompute'> = async (deps, { runnerId, week }, { log }) => {
  const evaluation = await recomputeWeek({ ...deps, notifyConfigured: Boolean(deps.env.NOTIFY_WEBHOOK_URL) }, runnerId, week);
  if (evaluation) log.info({ runnerId, week, runs: evaluation.variables.runs, warnings: evaluation.warnings.map((w) => w.code) }, 'week recomputed');
  return evaluation ? { runs: evaluation.variables.runs, warnings: evaluation.warnings.length } : 'runner_missing';
};
