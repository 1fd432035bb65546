/**
 * The weekly warnings: one small builder per warning code (LOAD_JUMP, MULTI_CHANGE, RUN_SPIKE) that
 * turns a rule's finding into the stored, runner-facing warning, and the step that folds several
 * findings of one code into the one row the store keeps per runner/week/code (docs/rules.md).
 * `evaluateWeek` (./index.ts) composes the builders; the week recompute folds and stores the result.
 */
import { loadJumpMessage, type MessageContext, multiChangeMessage, runSpikeMessage } from '../messages.js';
import type { LoadJumpFinding, Severity } from './load-progression.js';
import type { ChangeAssessment, ChangedVariable } from './one-change.js';
import type { SpikeFinding } from './spike.js';

/** docs/api.md "Warning codes" produced by the weekly rules. */
export type WarningCode = 'LOAD_JUMP' | 'MULTI_CHANGE' | 'RUN_SPIKE';

/** Evidence of a warning: flat values only (docs/api.md "Warning codes", evidence). */
export type WarningEvidence = Record<string, number | string | null>;

/** One warning as stored and shown (docs/api.md "Week", warnings, plus provisional/weekToDate/runId). */
export interface WeekWarning {
  code: WarningCode;
  severity: Severity;
  /** fewer than 2 prior weeks of data (docs/rules.md "Minimum data"): show, but label as provisional */
  provisional: boolean;
  /** raised on an incomplete week (week-to-date); the binding check runs again when the week closes */
  weekToDate: boolean;
  /** RUN_SPIKE: the run; LOAD_JUMP: the run that took the week over the limit; else null */
  runId: string | null;
  /** MULTI_CHANGE: the variables that changed (docs/api.md "Week" names); else undefined */
  changed?: ChangedVariable[];
  message: string;
  evidence: WarningEvidence;
}

/** Evidence as stored on the warning row (the `warnings.evidence` column): the finding's, plus its flags. */
export type StoredEvidence = Record<string, number | string | boolean | null>;

/** What any warning of a week has, whichever rule raised it (the weekly rules, the pain light). */
export interface WarningFinding {
  code: string;
  severity: string;
  provisional: boolean;
  weekToDate: boolean;
  runId: string | null;
  changed?: readonly string[];
  message: string;
  evidence: WarningEvidence;
}

const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 10);

/** A warning raised this week: the week's provisional and week-to-date flags come from the context. */
function raised(ctx: MessageContext, w: Omit<WeekWarning, 'provisional' | 'weekToDate'>): WeekWarning {
  const { code, severity, ...rest } = w;
  return { code, severity, provisional: ctx.provisional, weekToDate: ctx.weekToDate, ...rest };
}

/** R2: the week's load rose past the limit (docs/rules.md, LOAD_JUMP). */
export function loadJumpWarning(jump: LoadJumpFinding, ctx: MessageContext): WeekWarning {
  return raised(ctx, {
    code: 'LOAD_JUMP',
    severity: jump.severity,
    runId: jump.triggeredByRunId,
    message: loadJumpMessage(jump, ctx),
    evidence: {
      basis: jump.basis,
      rule: jump.rule,
      distanceM: jump.distanceM,
      referenceDistanceM: jump.referenceDistanceM,
      distanceChangePct: round1(jump.distanceIncrease),
      movingTimeS: jump.movingTimeS,
      referenceMovingTimeS: jump.referenceMovingTimeS,
      movingTimeChangePct: round1(jump.movingTimeIncrease),
      runs: jump.runs,
      referenceRuns: jump.referenceRuns,
      allowedIncreasePct: round1(jump.allowedIncrease),
      triggeredOnDate: jump.triggeredOnDate,
    },
  });
}

/** R3: more than one training component changed at once (docs/rules.md, MULTI_CHANGE); null when not. */
export function multiChangeWarning(changes: ChangeAssessment, ctx: MessageContext): WeekWarning | null {
  if (!changes.isMultiChange) return null;
  const evidence: WarningEvidence = { changes: changes.groups.length };
  for (const v of changes.changed) {
    evidence[`${v}Before`] = changes.details[v]?.before ?? null;
    evidence[`${v}After`] = changes.details[v]?.after ?? null;
  }
  return raised(ctx, { code: 'MULTI_CHANGE', severity: 'amber', runId: null, changed: changes.changed, message: multiChangeMessage(changes, ctx), evidence });
}

/** R4: one run far longer than the longest of the previous 30 days (docs/rules.md, RUN_SPIKE). */
export function runSpikeWarning(spike: SpikeFinding, ctx: MessageContext): WeekWarning {
  const evidence = {
    distanceM: spike.distanceM,
    lookbackLongestRunM: spike.lookbackLongestRunM,
    spikePct: round1(spike.ratio - 1),
    band: spike.band,
    localDate: spike.localDate,
  };
  return raised(ctx, { code: 'RUN_SPIKE', severity: spike.severity, runId: spike.runId, message: runSpikeMessage(spike, ctx), evidence });
}

const SEVERITY_RANK: Record<string, number> = { red: 2, amber: 1 };

/**
 * The store keeps one warning per runner/week/code, so several findings of one code (two long runs
 * in a week) become one: the most severe leads (its message and evidence), the others are listed.
 * Codes keep the order of their first finding.
 */
export function oneWarningPerCode<W extends WarningFinding>(warnings: readonly W[]): W[] {
  const byCode = new Map<string, W[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  return [...byCode.values()].map((group) => {
    const [lead, ...rest] = [...group].sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0));
    if (rest.length === 0) return lead!;
    const also = rest.map((w) => w.runId).filter((id): id is string => Boolean(id));
    const extra = rest.length === 1 ? ' One more run this week was flagged the same way.' : ` ${rest.length} more runs this week were flagged the same way.`;
    return { ...lead!, message: `${lead!.message}${extra}`, evidence: { ...lead!.evidence, alsoRunIds: also.join(','), findings: group.length } };
  });
}

/** The evidence a warning is stored with: its own, plus whether it was week-to-date, its run and the changed variables. */
export function storedEvidence(w: WarningFinding): StoredEvidence {
  return { ...w.evidence, weekToDate: w.weekToDate, runId: w.runId, ...(w.changed ? { changed: w.changed.join(',') } : {}) };
}
