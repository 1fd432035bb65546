import { describe, expect, it } from 'vitest';
import { derivePain, needsSettleCheck, settleMinutes, type RunPainFacts } from './derived.js';
import { dayLight, dayLights, explainRunLight, greenStreak, runLight, weekLight } from './light.js';

const green: RunPainFacts = {
  duringRun: 1,
  painNow: 0,
  painBefore: 0,
  answeredAfterMin: 30,
  stoppedForKnee: false,
  nextMorning: 1,
  previousMorning: 1,
  nextMorningVsYesterday: 'same',
};

describe('run light boundaries', () => {
  it('pain during 2 is green, 3 amber, 5 amber, 6 red', () => {
    expect(runLight({ ...green, duringRun: 2 })).toBe('green');
    expect(runLight({ ...green, duringRun: 3 })).toBe('amber');
    expect(runLight({ ...green, duringRun: 5 })).toBe('amber');
    expect(runLight({ ...green, duringRun: 6 })).toBe('red');
  });
  it('settled in 60 min is green, 61 amber, 120 amber, 121 red', () => {
    expect(runLight({ ...green, settledAfterMin: 60 })).toBe('green');
    expect(runLight({ ...green, settledAfterMin: 61 })).toBe('amber');
    expect(runLight({ ...green, settledAfterMin: 120 })).toBe('amber');
    expect(runLight({ ...green, settledAfterMin: 121 })).toBe('red');
  });
  it('next morning same is green, 1 point worse amber, 2 points worse red, better green', () => {
    expect(runLight({ ...green, nextMorning: 1, previousMorning: 1 })).toBe('green');
    expect(runLight({ ...green, nextMorning: 2, previousMorning: 1 })).toBe('amber');
    expect(runLight({ ...green, nextMorning: 3, previousMorning: 1 })).toBe('red');
    expect(runLight({ ...green, nextMorning: 0, previousMorning: 1, nextMorningVsYesterday: 'better' })).toBe('green');
  });
  it('without a previous morning value the better/same/worse answer decides (worse is amber, never red)', () => {
    expect(runLight({ ...green, previousMorning: null, nextMorningVsYesterday: 'same' })).toBe('green');
    expect(runLight({ ...green, previousMorning: null, nextMorningVsYesterday: 'worse' })).toBe('amber');
    expect(derivePain({ ...green, previousMorning: null, nextMorningVsYesterday: 'worse' })).toMatchObject({
      nextMorningChange: 1,
      morningWorse: true,
      morningClearlyWorse: false,
    });
  });
  it('"worse" with equal numbers is still worse (amber)', () => {
    expect(runLight({ ...green, nextMorning: 1, previousMorning: 1, nextMorningVsYesterday: 'worse' })).toBe('amber');
  });
  it('stopping because of the knee is red whatever the numbers', () => {
    expect(explainRunLight({ ...green, stoppedForKnee: true })).toMatchObject({ light: 'red', reasons: ['stopped_for_knee'] });
  });
  it('grey when the post-run or next-morning answers are missing, never read as zero', () => {
    expect(runLight({ ...green, duringRun: null })).toBe('grey');
    expect(runLight({ ...green, nextMorning: null, nextMorningVsYesterday: null })).toBe('grey');
    expect(runLight({ duringRun: null, nextMorning: null })).toBe('grey');
    // a red finding shows even when the morning is not answered yet
    expect(runLight({ ...green, duringRun: 7, nextMorning: null, nextMorningVsYesterday: null })).toBe('red');
    // amber needs both halves: pain 4 without a morning answer is still grey
    expect(runLight({ ...green, duringRun: 4, nextMorning: null, nextMorningVsYesterday: null })).toBe('grey');
  });
});

describe('settle minutes', () => {
  it('now ≤ before at the post-run prompt settles within the hour (capped at 60)', () => {
    expect(settleMinutes({ duringRun: 2, painNow: 1, painBefore: 1, answeredAfterMin: 20, nextMorning: null })).toBe(20);
    expect(settleMinutes({ duringRun: 2, painNow: 1, painBefore: 1, answeredAfterMin: 200, nextMorning: null })).toBe(60);
  });
  it('without a pre-run level only "now" = 0 counts as settled', () => {
    expect(settleMinutes({ duringRun: 2, painNow: 0, answeredAfterMin: 25, nextMorning: null })).toBe(25);
    expect(settleMinutes({ duringRun: 2, painNow: 1, answeredAfterMin: 25, nextMorning: null })).toBeNull();
  });
  it('settle checks: yes at 60 → 60, not yet then yes at 120 → 120, still not → more than 120, only "not yet" → at least 61', () => {
    const base = { duringRun: 2, painNow: 3, painBefore: 1, answeredAfterMin: 20, nextMorning: null };
    expect(settleMinutes({ ...base, settledAt60: true })).toBe(60);
    expect(settleMinutes({ ...base, settledAt60: false, settledAt120: true })).toBe(120);
    expect(settleMinutes({ ...base, settledAt60: false, settledAt120: false })).toBe(121);
    expect(settleMinutes({ ...base, settledAt60: false })).toBe(61);
    expect(settleMinutes({ ...base, settledAt60: false, settledAfterMin: 45 })).toBe(45);
  });
  it('asks the settle check only when "now" is above "before"', () => {
    expect(needsSettleCheck({ painNow: 2, painBefore: 1 })).toBe(true);
    expect(needsSettleCheck({ painNow: 1, painBefore: 1 })).toBe(false);
    expect(needsSettleCheck({ painNow: 1, painBefore: null })).toBe(true);
    expect(needsSettleCheck({ painNow: 0, painBefore: null })).toBe(false);
  });
});

describe('day, week and streak', () => {
  it('a day is its worst run, a grey run keeps the day from green, a week is its worst day', () => {
    expect(dayLight(['green', 'amber'])).toBe('amber');
    expect(dayLight(['green', 'grey'])).toBe('grey');
    expect(dayLight(['grey', 'amber', 'red'])).toBe('red');
    expect(dayLight([])).toBeNull();
    const days = dayLights([
      { localDate: '2026-11-23', light: 'green' },
      { localDate: '2026-11-23', light: 'amber' },
      { localDate: '2026-11-24', light: 'green' },
    ]);
    expect([...days]).toEqual([
      ['2026-11-23', 'amber'],
      ['2026-11-24', 'green'],
    ]);
    expect(weekLight([...days.values()])).toBe('amber');
  });
  it('green streak counts back from the latest run and stops at the first non-green', () => {
    expect(greenStreak(['red', 'green', 'green'])).toBe(2);
    expect(greenStreak(['green', 'grey', 'green'])).toBe(1);
    expect(greenStreak(['green', 'amber'])).toBe(0);
    expect(greenStreak([])).toBe(0);
  });
});
