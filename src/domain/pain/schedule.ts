/**
 * When each pain prompt is due, reminded and closed, in the runner's profile time zone (DST-aware,
 * through Intl). Pure: "now", the run's end and its arrival enter as arguments. See docs/pain.md.
 */
import { addDays, resolveWallClock, zoneOffsetS } from '../iso-week.js';

export interface PromptSettings {
  timezone: string;
  /** 'HH:MM' local: the next-morning (and rest-day) prompt */
  morningPromptTime: string;
  /** 'HH:MM' local: no prompt from quietStart until quietEnd (may wrap midnight) */
  quietStart: string;
  quietEnd: string;
}

export const DEFAULT_PROMPT_SETTINGS: Omit<PromptSettings, 'timezone'> = { morningPromptTime: '08:00', quietStart: '22:00', quietEnd: '07:00' };

export const SCHEDULE = {
  /** the post-run prompt is never due before the run's end + this */
  afterRunDelayMin: 15,
  reminderAfterMin: 180,
  settleCheckMin: 60,
  settleRecheckMin: 120,
  /** runs that ended longer than this before they arrived get no prompts (back-fill) */
  backfillCutoffMin: 12 * 60,
  /** the next-morning prompt closes at this local time */
  morningExpiresAt: '18:00',
  /** the post-run prompt closes at the end of the run's day (or at the next morning's prompt, if later) */
  afterRunExpiresAt: '23:59',
} as const;

const MIN = 60_000;

export interface PlannedPrompt {
  dueAt: Date;
  /** null: no reminder (it would fall after the prompt closes) */
  remindAt: Date | null;
  expiresAt: Date;
}

export interface RunPromptPlan {
  /** null when the run arrived too late for it (the diary still takes its answers) */
  afterRun: PlannedPrompt | null;
  /** the morning after the run's local date */
  nextMorning: (PlannedPrompt & { localDate: string }) | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isHhMm(s: string): boolean {
  return HHMM.test(s);
}

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not a HH:MM time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Local date and minute of the day of an instant in a zone. */
export function localClock(instant: Date, timeZone: string): { date: string; minutes: number } {
  const local = new Date(instant.getTime() + zoneOffsetS(instant, timeZone) * 1000);
  const iso = local.toISOString();
  return { date: iso.slice(0, 10), minutes: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/**
 * The instant a local wall-clock time occurs on a local date in a zone. A time skipped by a spring-
 * forward change lands just after the gap; a repeated autumn time resolves to one of its instants.
 */
export function atLocalTime(localDate: string, hhmm: string, timeZone: string): Date {
  const mins = minutesOf(hhmm);
  const wall = new Date(`${localDate}T00:00:00Z`);
  wall.setUTCMinutes(mins);
  return resolveWallClock(wall, timeZone).startTime;
}

/** Whether an instant falls inside the runner's quiet hours [start, end) local. */
export function inQuietHours(instant: Date, s: PromptSettings): boolean {
  const { minutes } = localClock(instant, s.timezone);
  const start = minutesOf(s.quietStart);
  const end = minutesOf(s.quietEnd);
  if (start === end) return false;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/** An instant inside quiet hours moves to their end (the same or the next local day); others stay. */
export function outOfQuietHours(instant: Date, s: PromptSettings): Date {
  if (!inQuietHours(instant, s)) return instant;
  const { date, minutes } = localClock(instant, s.timezone);
  const end = minutesOf(s.quietEnd);
  const endDate = minutes < end ? date : addDays(date, 1);
  return atLocalTime(endDate, s.quietEnd, s.timezone);
}

const later = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

function reminderFor(dueAt: Date, expiresAt: Date, s: PromptSettings): Date | null {
  const r = outOfQuietHours(new Date(dueAt.getTime() + SCHEDULE.reminderAfterMin * MIN), s);
  return r.getTime() < expiresAt.getTime() ? r : null;
}

/** The next-morning prompt of a local morning date (also the rest-day morning check). */
export function planMorning(morningDate: string, s: PromptSettings): PlannedPrompt {
  const dueAt = outOfQuietHours(atLocalTime(morningDate, s.morningPromptTime, s.timezone), s);
  let expiresAt = atLocalTime(morningDate, SCHEDULE.morningExpiresAt, s.timezone);
  if (expiresAt.getTime() <= dueAt.getTime()) expiresAt = new Date(dueAt.getTime() + 10 * 60 * MIN);
  return { dueAt, remindAt: reminderFor(dueAt, expiresAt, s), expiresAt };
}

/** Whether a run ended so long before it arrived that it gets no prompts (back-fill, bulk import). */
export function isBackfill(runEnd: Date, arrivedAt: Date): boolean {
  return arrivedAt.getTime() - runEnd.getTime() > SCHEDULE.backfillCutoffMin * MIN;
}

/**
 * The prompts of one run: the post-run prompt, due at max(now, end + 15 min) moved out of quiet
 * hours, reminded once after 3 h, closing at 23:59 local of the run's day or at the next morning's
 * prompt, whichever is later; and the next-morning prompt of the day after the run's local date.
 * Returns null for a back-filled run. A prompt whose window has already closed is left out.
 */
export function planRunPrompts(input: { runEnd: Date; runLocalDate: string; arrivedAt: Date; now: Date; settings: PromptSettings }): RunPromptPlan | null {
  const { runEnd, runLocalDate, now, settings: s } = input;
  if (isBackfill(runEnd, input.arrivedAt)) return null;
  const morningDate = addDays(runLocalDate, 1);
  const morning = planMorning(morningDate, s);
  const dueAt = outOfQuietHours(later(now, new Date(runEnd.getTime() + SCHEDULE.afterRunDelayMin * MIN)), s);
  const expiresAt = later(atLocalTime(runLocalDate, SCHEDULE.afterRunExpiresAt, s.timezone), morning.dueAt);
  const afterRun = dueAt.getTime() < expiresAt.getTime() ? { dueAt, remindAt: reminderFor(dueAt, expiresAt, s), expiresAt } : null;
  const nextMorning = now.getTime() < morning.expiresAt.getTime() ? { ...morning, localDate: morningDate } : null;
  return { afterRun, nextMorning };
}

/**
 * The settle check ("is the knee back to how it was before the run?") at the run's end + 60 min
 * (attempt 1, only when the post-run answer came before then) or + 120 min (attempt 2, after a
 * "not yet"). Never in quiet hours (the next morning's prompt covers it then); closes at the next
 * morning's prompt. Null when it is not to be asked.
 */
export function planSettleCheck(input: { runEnd: Date; answeredAt: Date; attempt: 1 | 2; closesAt: Date; settings: PromptSettings }): PlannedPrompt | null {
  const offset = input.attempt === 1 ? SCHEDULE.settleCheckMin : SCHEDULE.settleRecheckMin;
  const dueAt = new Date(input.runEnd.getTime() + offset * MIN);
  if (input.answeredAt.getTime() >= dueAt.getTime()) return null;
  if (inQuietHours(dueAt, input.settings)) return null;
  if (dueAt.getTime() >= input.closesAt.getTime()) return null;
  return { dueAt, remindAt: null, expiresAt: input.closesAt };
}

/** What a planned prompt's times depend on. */
export interface PlannedPromptFacts {
  kind: 'after_run' | 'settle_check' | 'next_morning' | 'rest_morning';
  /** after_run, settle_check: the run's local date; morning kinds: the morning's date */
  localDate: string | null;
  runEndAt: Date | null;
  attempt: number;
  /** the due event was sent already: only its reminder can still move */
  sent: boolean;
  dueAt: Date;
  expiresAt: Date;
}

export type Replan = { times: PlannedPrompt } | { cancel: 'quiet_hours' } | null;

/**
 * New times for a prompt not yet sent (or its reminder, when sent) after the runner changed the time
 * zone, morning time or quiet hours: the same rules as when it was planned, applied with the new
 * settings and "now". A settle check that now falls in quiet hours is dropped (the next morning's
 * prompt covers it). Null: nothing to change (also when the new plan has no room left before the
 * prompt would close; it then keeps its times).
 */
export function replanPrompt(p: PlannedPromptFacts, now: Date, s: PromptSettings): Replan {
  if (!p.localDate) return null;
  if (p.sent) {
    // Due and closing times stay as the runner was told; the reminder follows the new quiet hours.
    return { times: { dueAt: p.dueAt, remindAt: reminderFor(p.dueAt, p.expiresAt, s), expiresAt: p.expiresAt } };
  }
  switch (p.kind) {
    case 'next_morning':
    case 'rest_morning': {
      const m = planMorning(p.localDate, s);
      return m.expiresAt.getTime() > now.getTime() ? { times: m } : null;
    }
    case 'after_run': {
      if (!p.runEndAt) return null;
      const plan = planRunPrompts({ runEnd: p.runEndAt, runLocalDate: p.localDate, arrivedAt: p.runEndAt, now, settings: s });
      return plan?.afterRun ? { times: plan.afterRun } : null;
    }
    case 'settle_check': {
      if (!p.runEndAt) return null;
      const dueAt = new Date(p.runEndAt.getTime() + (p.attempt === 2 ? SCHEDULE.settleRecheckMin : SCHEDULE.settleCheckMin) * MIN);
      if (inQuietHours(dueAt, s)) return { cancel: 'quiet_hours' };
      const closesAt = planMorning(addDays(p.localDate, 1), s).dueAt;
      return dueAt.getTime() < closesAt.getTime() ? { times: { dueAt, remindAt: null, expiresAt: closesAt } } : null;
    }
  }
}

/** Whether two plans differ in any time. */
export function samePlan(a: PlannedPrompt, b: { dueAt: Date; remindAt: Date | null; expiresAt: Date }): boolean {
  return (
    a.dueAt.getTime() === b.dueAt.getTime() &&
    (a.remindAt?.getTime() ?? null) === (b.remindAt?.getTime() ?? null) &&
    a.expiresAt.getTime() === b.expiresAt.getTime()
  );
}
