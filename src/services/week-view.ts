import type { DbOrTx } from '../db/client.js';
import { listWarnings, type WarningRow } from '../db/queries/warnings.js';
import type { WeekRow } from '../db/queries/weeks.js';

/** docs/api.md "Warning codes". */
export function warningView(w: WarningRow) {
  const { id, week, code, status, severity, provisional, message, evidence } = w;
  return {
    id,
    week,
    code,
    status,
    severity,
    provisional,
    message,
    evidence,
    raisedAt: w.createdAt.toISOString(),
    resolvedAt: w.resolvedAt?.toISOString() ?? null,
  };
}

/** docs/api.md "Week" shapes, each with the week's open warnings. */
export async function weekViews(db: DbOrTx, runnerId: string, rows: WeekRow[]) {
  const open = rows.length ? await listWarnings(db, runnerId, { status: 'open', weeks: rows.map((r) => r.week) }) : [];
  return rows.map((r) => ({
    week: r.week,
    start: r.startDate,
    end: r.endDate,
    complete: r.complete,
    status: r.status,
    variables: r.variables,
    changePct: r.changePct,
    changed: r.changed,
    /** the week's pain light: its worst day (null: no answered run) */
    light: r.details?.light === 'grey' ? null : (r.details?.light ?? null),
    details: r.details,
    warnings: open
      .filter((w) => w.week === r.week)
      .map((w) => ({ code: w.code, severity: w.severity, provisional: w.provisional, message: w.message, evidence: w.evidence })),
  }));
}
