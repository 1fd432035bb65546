import { describe, expect, it } from 'vitest';
import { painAmberMessage, painRedMessage, progressionGate, readyToProgressMessage, reductions } from './advice.js';

describe('the reductions of PAIN_RED and PAIN_AMBER (docs/pain.md, Warnings and advice)', () => {
  it("come in order: slow down, avoid downhills (naming the runner's flatter descent), shorter runs", () => {
    const r = reductions({ usualPaceSPerKm: 360, medianDescentPerKm: 8.24, runDescentPerKm: 19 });
    expect(r).toHaveLength(3);
    expect(r[0]).toMatch(/^Slow down/);
    expect(r[0]).toContain('6:00');
    expect(r[0]).toMatch(/run-walk/);
    expect(r[1]).toMatch(/^Avoid downhills/);
    expect(r[1]).toContain('less than 8.2 m of descent per km');
    expect(r[1]).toContain('this run had 19.0');
    expect(r[2]).toMatch(/^Make runs shorter/);
    expect(r[2]).toMatch(/extra short run/);
  });
  it('red lists all three numbered; amber suggests one, downhills first when the run was hillier than usual', () => {
    const red = painRedMessage({ medianDescentPerKm: 5 }, ['pain_during', 'stopped_for_knee']);
    expect(red).toMatch(/1\. Slow down[\s\S]*2\. Avoid downhills[\s\S]*3\. Make runs shorter/);
    expect(red).toContain('pain during the run and you stopped or walked because of the knee');
    expect(painAmberMessage({ medianDescentPerKm: 5, runDescentPerKm: 12 }, ['pain_during'])).toMatch(/One thing to try: Avoid downhills/);
    expect(painAmberMessage({ medianDescentPerKm: 5, runDescentPerKm: 3 }, ['pain_during'])).toMatch(/One thing to try: Slow down/);
    for (const m of [red, painAmberMessage({}, ['morning_worse'])]) expect(m).not.toMatch(/add one|may add|increase/i);
  });
});

describe('progression gate', () => {
  const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}`;
  it('ready with 3 green runs in 7 days, not with 2', () => {
    const runs = [20, 22, 24].map((d) => ({ localDate: day(d), light: 'green' as const }));
    expect(progressionGate(runs, day(25))).toMatchObject({ allGreen: true, answered: 3, readyToProgress: true });
    expect(progressionGate(runs.slice(1), day(25))).toMatchObject({ allGreen: true, answered: 2, readyToProgress: false });
    // the run 7 days back (day 19 for end 25) is inside, day 18 is outside
    expect(progressionGate([...runs, { localDate: day(19), light: 'amber' }], day(25)).allGreen).toBe(false);
    expect(progressionGate([...runs, { localDate: day(18), light: 'amber' }], day(25)).allGreen).toBe(true);
  });
  it('a grey run blocks progression; two reds in 7 days suggest a clinician, one does not', () => {
    expect(
      progressionGate(
        [
          { localDate: day(20), light: 'green' },
          { localDate: day(21), light: 'green' },
          { localDate: day(22), light: 'green' },
          { localDate: day(23), light: 'grey' },
        ],
        day(25),
      ).readyToProgress,
    ).toBe(false);
    expect(progressionGate([{ localDate: day(20), light: 'red' }], day(25)).seeClinician).toBe(false);
    expect(
      progressionGate(
        [
          { localDate: day(20), light: 'red' },
          { localDate: day(25), light: 'red' },
        ],
        day(25),
      ).seeClinician,
    ).toBe(true);
    expect(
      progressionGate(
        [
          { localDate: day(18), light: 'red' },
          { localDate: day(25), light: 'red' },
        ],
        day(25),
      ).seeClinician,
    ).toBe(false);
  });
  it('the ready note names one variable in the order distance, speed, hills', () => {
    const m = readyToProgressMessage(4);
    expect(m.indexOf('distance')).toBeLessThan(m.indexOf('speed'));
    expect(m.indexOf('speed')).toBeLessThan(m.indexOf('hills'));
  });
});
