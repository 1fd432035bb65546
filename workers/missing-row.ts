/**
 * A job whose payload names a row this deployment's database does not have. With a shared Redis this
 * is the sign of another deployment (a different database) consuming this prefix's jobs, or of a job
 * outliving its row; either way the work silently does not happen, so it is logged as an error.
 */
export function namesMissingRow(result: unknown): boolean {
  if (result === 'missing' || result === 'runner_missing') return true;
  if (result && typeof result === 'object') {
    const r = result as { status?: unknown; outcome?: unknown };
    return r.status === 'missing' || r.outcome === 'missing';
  }
  return false;
}
