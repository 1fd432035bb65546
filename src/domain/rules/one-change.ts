/**
 * R3 one change at a time (docs/rules.md "MULTI_CHANGE — one change at a time (seed)", its table): which training variables increased between the
 * reference week and this week, and MULTI_CHANGE when more than one did.
 */
import type { WeekVariables } from '../week.js';
import { increasedByMoreThan, increasedByMoreThanAmount, exceedsRatio } from './compare.js';
import type { LoadReference } from './load-progression.js';
import type { RuleThresholds } from './thresholds.js';

/** docs/api.md "Week", changed names. */
export type ChangedVariable =
  'distanceM' | 'movingTimeS' | 'runs' | 'longestRunM' | 'avgPaceSPerKm' | 'surges' | 'elevationLossM' | 'descentPerKmM' | 'avgCadenceSpm' | 'trailShare';

/** R3's training components; `long_run` is listed but never counted (R4 reports it, docs/rules.md "MULTI_CHANGE — one change at a time (seed)"). */
export type ChangeGroup = 'volume' | 'intensity_speed' | 'intensity_surges' | 'hills' | 'gait' | 'terrain' | 'long_run';

/** Which R3 component each changed variable belongs to (collinear variables share one). */
export const GROUP_OF: Readonly<Record<ChangedVariable, ChangeGroup>> = {
  distanceM: 'volume',
  movingTimeS: 'volume',
  runs: 'volume',
  longestRunM: 'long_run',
  avgPaceSPerKm: 'intensity_speed',
  surges: 'intensity_surges',
  elevationLossM: 'hills',
  descentPerKmM: 'hills',
  avgCadenceSpm: 'gait',
  trailShare: 'terrain',
};

/** What R3 needs besides the two weeks' variables; all built by `evaluateWeek` from the window. */
export interface ChangeInput {
  current: WeekVariables;
  /** from `chooseLoadReference`: previous week, or the 4-week mean week after a break */
  reference: LoadReference;
  /** median cadence of qualifying runs pooled over the prior `cadenceReferenceWeeks` weeks, spm */
  cadenceReferenceSpm: number | null;
  /** longest counted run in the `longRunLookbackDays` before the week's Monday, m; null without runs */
  lookbackLongestRunM: number | null;
  /** a cadence goal started within `cadenceGoalDays` of this week: it is the gait change (docs/rules.md "MULTI_CHANGE — one change at a time (seed)", docs/cadence.md "One change at a time (R3)") */
  cadenceGoalActive: boolean;
}

/** Reference and current value of a changed variable, in the variable's unit. */
export interface ChangeDetail {
  before: number | null;
  after: number | null;
}

/** Result of R3 for one week. */
export interface ChangeAssessment {
  /** variables that increased (gait: changed either way), docs/api.md "Week" names, in table order */
  changed: ChangedVariable[];
  /** distinct counted groups (long_run excluded) */
  groups: ChangeGroup[];
  /** more, shorter runs within +10 % of the reference volume (docs/rules.md "MULTI_CHANGE — one change at a time (seed)" note): not a change */
  frequencyRedistributed: boolean;
  details: Partial<Record<ChangedVariable, ChangeDetail>>;
  /** true when groups.length > maxChanges: warn MULTI_CHANGE */
  isMultiChange: boolean;
  /** the gait change is (also) a cadence goal in its first weeks */
  gaitGoal: boolean;
}

/**
 * docs/rules.md "MULTI_CHANGE — one change at a time (seed)", increases only:
 * volume — distance or moving time > +10 % [seed] (absolute cap > 2 km / > 1 run when the reference is
 * thin, docs/rules.md "Minimum data"); frequency — runs +≥ 1 and distance > +10 % (same "volume" group: it cannot happen without
 * the volume rising, so counting it separately would make every added run a MULTI_CHANGE);
 * long run — longest > 1.10 × lookback longest [evidence, not counted]; speed — pace faster by > 5 %
 * (pace-based: (ref − cur)/ref); surges — +≥ 4 and +≥ 50 %; hills — loss > +10 % and > +50 m, or density
 * > +20 % and > +2 m/km; gait — cadence differs from the prior-weeks median by > 3 % either way, or an
 * active cadence goal; terrain — trail share > +25 pp. All [heuristic] unless tagged.
 */
export function assessChanges(input: ChangeInput, t: RuleThresholds): ChangeAssessment {
  const c = t.change;
  const cur = input.current;
  const ref = input.reference.variables;
  const changed: ChangedVariable[] = [];
  const details: Partial<Record<ChangedVariable, ChangeDetail>> = {};
  const mark = (v: ChangedVariable, before: number | null, after: number | null): void => {
    changed.push(v);
    details[v] = { before, after };
  };

  const distanceUp = increasedByMoreThan(ref.distanceM, cur.distanceM, c.volumeIncrease);
  const runsUp = cur.runs - ref.runs >= c.frequencyMinExtraRuns;
  if (input.reference.rule === 'absolute_cap') {
    if (increasedByMoreThanAmount(ref.distanceM, cur.distanceM, t.load.absoluteCapDistanceM)) {
      mark('distanceM', ref.distanceM, cur.distanceM);
    }
    if (increasedByMoreThanAmount(ref.runs, cur.runs, t.load.absoluteCapRuns)) mark('runs', ref.runs, cur.runs);
  } else {
    if (distanceUp) mark('distanceM', ref.distanceM, cur.distanceM);
    else if (ref.movingTimeS > 0 && increasedByMoreThan(ref.movingTimeS, cur.movingTimeS, c.volumeIncrease)) {
      mark('movingTimeS', ref.movingTimeS, cur.movingTimeS);
    }
    if (runsUp && distanceUp) mark('runs', ref.runs, cur.runs);
  }
  const frequencyRedistributed = runsUp && !distanceUp && cur.meanRunM !== null && ref.meanRunM !== null && cur.meanRunM < ref.meanRunM;

  if (input.lookbackLongestRunM !== null && input.lookbackLongestRunM > 0) {
    if (exceedsRatio(cur.longestRunM, input.lookbackLongestRunM, c.longRunRatio)) {
      mark('longestRunM', input.lookbackLongestRunM, cur.longestRunM);
    }
  }

  if (ref.avgPaceSPerKm !== null && cur.avgPaceSPerKm !== null) {
    // Faster = fewer s/km: the "increase" is the drop in pace.
    if (ref.avgPaceSPerKm - cur.avgPaceSPerKm > c.paceFaster * ref.avgPaceSPerKm * (1 + 1e-9)) {
      mark('avgPaceSPerKm', ref.avgPaceSPerKm, cur.avgPaceSPerKm);
    }
  }

  if (cur.surges - ref.surges >= c.surgesMinExtra && (ref.surges === 0 || cur.surges - ref.surges >= c.surgesMinIncrease * ref.surges)) {
    mark('surges', ref.surges, cur.surges);
  }

  const lossUp =
    increasedByMoreThan(ref.elevationLossM, cur.elevationLossM, c.lossIncrease) &&
    increasedByMoreThanAmount(ref.elevationLossM, cur.elevationLossM, c.lossMinM);
  const densityUp =
    ref.descentPerKmM !== null &&
    cur.descentPerKmM !== null &&
    increasedByMoreThan(ref.descentPerKmM, cur.descentPerKmM, c.densityIncrease) &&
    increasedByMoreThanAmount(ref.descentPerKmM, cur.descentPerKmM, c.densityMinMPerKm);
  if (lossUp) mark('elevationLossM', ref.elevationLossM, cur.elevationLossM);
  else if (densityUp) mark('descentPerKmM', ref.descentPerKmM, cur.descentPerKmM);

  const cadenceMoved =
    input.cadenceReferenceSpm !== null &&
    cur.avgCadenceSpm !== null &&
    Math.abs(cur.avgCadenceSpm - input.cadenceReferenceSpm) > c.cadenceChange * input.cadenceReferenceSpm * (1 + 1e-9);
  if (cadenceMoved || input.cadenceGoalActive) mark('avgCadenceSpm', input.cadenceReferenceSpm, cur.avgCadenceSpm);

  if (ref.trailShare !== null && cur.trailShare !== null) {
    if (cur.trailShare - ref.trailShare > c.trailShareIncrease + 1e-9) mark('trailShare', ref.trailShare, cur.trailShare);
  } else if (ref.trailShare === null && cur.trailShare !== null && cur.trailShare > c.trailShareIncrease + 1e-9) {
    mark('trailShare', 0, cur.trailShare);
  }

  const groups = [...new Set(changed.map((v) => GROUP_OF[v]))].filter((g) => g !== 'long_run');
  return { changed, groups, frequencyRedistributed, details, isMultiChange: groups.length > c.maxChanges, gaitGoal: input.cadenceGoalActive };
}
