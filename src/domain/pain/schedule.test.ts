import { describe, expect, it } from 'vitest';
import {
  atLocalTime,
  inQuietHours,
  isBackfill,
  localClock,
  outOfQuietHours,
  planMorning,
  planRunPrompts,
  planSettleCheck,
  replanPrompt,
  type PlannedPromptFacts,
  type PromptSettings,
} from './schedule.js';

const oslo: PromptSettings = { timezone: 'Europe/Oslo', morningPromptTime: '08:00', quietStart: '22:00', quietEnd: '07:00' };
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

describe('local clock helpers', () => {
  it('resolve wall-clock times in the zone, DST-aware', () => {
    expect(iso(atLocalTime('2026-11-23', '08:00', 'Europe/Oslo'))).toBe('2026-11-23T07:00:00.000Z'); // winter, UTC+1
    expect(iso(atLocalTime('2026-06-23', '08:00', 'Europe/Oslo'))).toBe('2026-06-23T06:00:00.000Z'); // summer, UTC+2
    expect(iso(atLocalTime('2026-11-23', '08:00', 'America/New_York'))).toBe('2026-11-23T13:00:00.000Z');
    expect(localClock(new Date('2026-11-23T23:30:00Z'), 'Europe/Oslo')).toEqual({ date: '2026-11-24', minutes: 30 });
  });
  it('quiet hours wrap midnight: 21:59 and 07:00 are open, 22:00 and 06:59 are quiet', () => {
    const at = (hhmm: string, date = '2026-11-23') => atLocalTime(date, hhmm, 'Europe/Oslo');
    expect(inQuietHours(at('21:59'), oslo)).toBe(false);
    expect(inQuietHours(at('22:00'), oslo)).toBe(true);
    expect(inQuietHours(at('06:59'), oslo)).toBe(true);
    expect(inQuietHours(at('07:00'), oslo)).toBe(false);
    expect(iso(outOfQuietHours(at('23:10'), oslo))).toBe(iso(at('07:00', '2026-11-24')));
    expect(iso(outOfQuietHours(at('05:10'), oslo))).toBe(iso(at('07:00')));
  });
});

describe('post-run and next-morning prompts', () => {
  it('a run that ended 30 minutes ago is asked now; reminder after 3 h; closes at the next morning prompt (later than 23:59)', () => {
    const end = new Date('2026-11-23T16:00:00Z'); // 17:00 Oslo
    const now = new Date('2026-11-23T16:30:00Z');
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: now, now, settings: oslo })!;
    expect(iso(plan.afterRun!.dueAt)).toBe('2026-11-23T16:30:00.000Z');
    expect(iso(plan.afterRun!.remindAt)).toBe('2026-11-23T19:30:00.000Z');
    expect(iso(plan.afterRun!.expiresAt)).toBe('2026-11-24T07:00:00.000Z');
    expect(plan.nextMorning!.localDate).toBe('2026-11-24');
    expect(iso(plan.nextMorning!.dueAt)).toBe('2026-11-24T07:00:00.000Z');
    expect(iso(plan.nextMorning!.remindAt)).toBe('2026-11-24T10:00:00.000Z');
    expect(iso(plan.nextMorning!.expiresAt)).toBe('2026-11-24T17:00:00.000Z');
  });
  it('is never due before the run end + 15 min', () => {
    const end = new Date('2026-11-23T16:00:00Z');
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: end, now: end, settings: oslo })!;
    expect(iso(plan.afterRun!.dueAt)).toBe('2026-11-23T16:15:00.000Z');
  });
  it('an evening run: due inside quiet hours moves to 07:00, the reminder is dropped after the window, closes at the next morning prompt', () => {
    const end = new Date('2026-11-23T20:50:00Z'); // 21:50 Oslo → due 22:05 → quiet
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: end, now: end, settings: oslo })!;
    expect(iso(plan.afterRun!.dueAt)).toBe('2026-11-24T06:00:00.000Z'); // 07:00 Oslo
    expect(iso(plan.afterRun!.expiresAt)).toBe('2026-11-24T07:00:00.000Z'); // next morning 08:00
    expect(plan.afterRun!.remindAt).toBeNull();
  });
  it('a run ending after local midnight belongs to its start day: the next morning is the same morning', () => {
    // started 23:20 on the 23rd, ended 00:20 on the 24th (Oslo)
    const end = new Date('2026-11-23T23:20:00Z');
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: end, now: end, settings: oslo })!;
    expect(iso(plan.afterRun!.dueAt)).toBe('2026-11-24T06:00:00.000Z');
    expect(plan.nextMorning!.localDate).toBe('2026-11-24');
    expect(iso(plan.afterRun!.expiresAt)).toBe(iso(plan.nextMorning!.dueAt));
  });
  it('on the spring DST day the morning prompt is 08:00 summer time, the reminder 3 real hours later', () => {
    const end = new Date('2026-03-28T15:00:00Z'); // Saturday 16:00 CET; clocks go forward Sunday 29 March 02:00
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-03-28', arrivedAt: end, now: end, settings: oslo })!;
    expect(iso(plan.nextMorning!.dueAt)).toBe('2026-03-29T06:00:00.000Z');
    expect(iso(plan.nextMorning!.remindAt)).toBe('2026-03-29T09:00:00.000Z');
    expect(iso(plan.afterRun!.expiresAt)).toBe('2026-03-29T06:00:00.000Z'); // the next morning, CEST
    // autumn: 25 October 2026, 03:00 CEST → 02:00 CET
    expect(iso(planMorning('2026-10-25', oslo).dueAt)).toBe('2026-10-25T07:00:00.000Z');
  });
  it('in New York a run ending 21:30 local is after 02:00 UTC the next day but still that evening', () => {
    const ny: PromptSettings = { ...oslo, timezone: 'America/New_York' };
    const end = new Date('2026-11-24T02:30:00Z'); // 21:30 on the 23rd
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: end, now: end, settings: ny })!;
    expect(iso(plan.afterRun!.dueAt)).toBe('2026-11-24T02:45:00.000Z');
    expect(iso(plan.afterRun!.expiresAt)).toBe('2026-11-24T13:00:00.000Z'); // 08:00 next morning is later than 23:59
    expect(iso(plan.nextMorning!.dueAt)).toBe('2026-11-24T13:00:00.000Z');
  });
  it('a morning prompt time inside quiet hours moves to their end; a custom time is honoured', () => {
    expect(iso(planMorning('2026-11-24', { ...oslo, morningPromptTime: '06:30' }).dueAt)).toBe('2026-11-24T06:00:00.000Z');
    expect(iso(planMorning('2026-11-24', { ...oslo, morningPromptTime: '09:15' }).dueAt)).toBe('2026-11-24T08:15:00.000Z');
  });
  it('runs that ended more than 12 h before they arrived get no prompts', () => {
    const end = new Date('2026-11-20T10:00:00Z');
    expect(isBackfill(end, new Date('2026-11-20T22:00:00Z'))).toBe(false);
    expect(isBackfill(end, new Date('2026-11-20T22:00:01Z'))).toBe(true);
    expect(
      planRunPrompts({
        runEnd: end,
        runLocalDate: '2026-11-20',
        arrivedAt: new Date('2026-11-23T10:00:00Z'),
        now: new Date('2026-11-23T10:00:00Z'),
        settings: oslo,
      }),
    ).toBeNull();
  });
  it('a run arriving after its post-run window closed keeps only the morning prompt', () => {
    const end = new Date('2026-11-23T20:00:00Z'); // 21:00
    const arrived = new Date('2026-11-24T07:30:00Z'); // 08:30 next day, 11.5 h later
    const plan = planRunPrompts({ runEnd: end, runLocalDate: '2026-11-23', arrivedAt: arrived, now: arrived, settings: oslo })!;
    expect(plan.afterRun).toBeNull();
    expect(plan.nextMorning).not.toBeNull();
  });
});

describe('settle check', () => {
  const end = new Date('2026-11-23T12:00:00Z');
  const closesAt = new Date('2026-11-24T07:00:00Z');
  it('at +60 when answered before then, not when answered after', () => {
    expect(iso(planSettleCheck({ runEnd: end, answeredAt: new Date('2026-11-23T12:59:00Z'), attempt: 1, closesAt, settings: oslo })?.dueAt)).toBe(
      '2026-11-23T13:00:00.000Z',
    );
    expect(planSettleCheck({ runEnd: end, answeredAt: new Date('2026-11-23T13:00:00Z'), attempt: 1, closesAt, settings: oslo })).toBeNull();
  });
  it('asks again at +120 and never in quiet hours', () => {
    expect(iso(planSettleCheck({ runEnd: end, answeredAt: new Date('2026-11-23T13:05:00Z'), attempt: 2, closesAt, settings: oslo })?.dueAt)).toBe(
      '2026-11-23T14:00:00.000Z',
    );
    const late = new Date('2026-11-23T20:30:00Z'); // 21:30 Oslo → +60 is 22:30, quiet
    expect(planSettleCheck({ runEnd: late, answeredAt: new Date('2026-11-23T20:50:00Z'), attempt: 1, closesAt, settings: oslo })).toBeNull();
  });
});

describe('re-timing planned prompts after a settings change', () => {
  const now = new Date('2026-11-23T21:00:00Z'); // 22:00 Oslo
  const end = new Date('2026-11-23T20:50:00Z'); // 21:50 Oslo
  const base = { attempt: 1, sent: false, runEndAt: end } as const;

  it('a next-morning prompt moves to the new morning time, in the new zone', () => {
    const p: PlannedPromptFacts = {
      ...base,
      kind: 'next_morning',
      localDate: '2026-11-24',
      dueAt: new Date('2026-11-24T07:00:00Z'),
      expiresAt: new Date('2026-11-24T17:00:00Z'),
    };
    const r = replanPrompt(p, now, { ...oslo, morningPromptTime: '06:30', quietEnd: '06:00' });
    expect(r && 'times' in r && iso(r.times.dueAt)).toBe('2026-11-24T05:30:00.000Z');
    const ny = replanPrompt(p, now, { ...oslo, timezone: 'America/New_York' });
    expect(ny && 'times' in ny && iso(ny.times.dueAt)).toBe('2026-11-24T13:00:00.000Z');
    expect(ny && 'times' in ny && iso(ny.times.expiresAt)).toBe('2026-11-24T23:00:00.000Z');
  });

  it('a post-run prompt held by quiet hours follows their new end; without quiet hours it is due now', () => {
    const p: PlannedPromptFacts = {
      ...base,
      kind: 'after_run',
      localDate: '2026-11-23',
      dueAt: new Date('2026-11-24T06:00:00Z'),
      expiresAt: new Date('2026-11-24T07:00:00Z'),
    };
    const later = replanPrompt(p, now, { ...oslo, quietStart: '21:00', quietEnd: '06:30' });
    expect(later && 'times' in later && iso(later.times.dueAt)).toBe('2026-11-24T05:30:00.000Z');
    const none = replanPrompt(p, now, { ...oslo, quietStart: '00:00', quietEnd: '00:00' });
    expect(none && 'times' in none && iso(none.times.dueAt)).toBe(iso(new Date(end.getTime() + 15 * 60_000)));
  });

  it('a sent prompt keeps its due and closing times; only its reminder moves', () => {
    const p: PlannedPromptFacts = {
      ...base,
      kind: 'after_run',
      localDate: '2026-11-23',
      sent: true,
      dueAt: new Date('2026-11-23T16:30:00Z'),
      expiresAt: new Date('2026-11-24T07:00:00Z'),
    };
    const r = replanPrompt(p, now, { ...oslo, quietStart: '19:00' });
    expect(r && 'times' in r ? [iso(r.times.dueAt), iso(r.times.remindAt), iso(r.times.expiresAt)] : r).toEqual([
      '2026-11-23T16:30:00.000Z',
      '2026-11-24T06:00:00.000Z',
      '2026-11-24T07:00:00.000Z',
    ]);
  });

  it('a settle check that now falls in quiet hours is dropped; otherwise it closes at the new morning time', () => {
    const p: PlannedPromptFacts = {
      ...base,
      kind: 'settle_check',
      localDate: '2026-11-23',
      runEndAt: new Date('2026-11-23T18:00:00Z'),
      dueAt: new Date('2026-11-23T19:00:00Z'),
      expiresAt: new Date('2026-11-24T07:00:00Z'),
    };
    expect(replanPrompt(p, now, { ...oslo, quietStart: '19:30' })).toEqual({ cancel: 'quiet_hours' });
    const r = replanPrompt(p, now, { ...oslo, morningPromptTime: '09:15' });
    expect(r && 'times' in r && iso(r.times.expiresAt)).toBe('2026-11-24T08:15:00.000Z');
  });
});
