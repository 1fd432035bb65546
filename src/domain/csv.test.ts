import { describe, expect, it } from 'vitest';
import { csvCell } from './csv.js';

describe('csvCell (formula guard, OWASP CSV injection)', () => {
  it('neutralises every cell that starts like a formula, also when it starts with a digit after the sign', () => {
    for (const [input, out] of [
      ['-1+2', `"'-1+2"`],
      ["-1+cmd|' /C calc'!A0", `"'-1+cmd|' /C calc'!A0"`],
      ['-cmd', `"'-cmd"`],
      ['=1+1', `"'=1+1"`],
      ['+1+1', `"'+1+1"`],
      ['@SUM(A1)', `"'@SUM(A1)"`],
      ['\t=1', `"'\t=1"`],
      ['\r=1', `"'\r=1"`],
      ['-2026-01-01', `"'-2026-01-01"`],
      ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
      ['-', `"'-"`],
    ] as const) {
      expect(csvCell(input), JSON.stringify(input)).toBe(out);
    }
  });

  it('keeps plain numbers (negative, signed, decimal, exponent) as numbers', () => {
    for (const n of ['-1', '-1.5', '+3', '-0.25', '2e-3', '-1E+4', '-.5', '12']) expect(csvCell(n)).toBe(n);
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(-3)).toBe('-3');
  });

  it('quotes separators and quotes; empty for null', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(['LOAD_JUMP', 'RUN_SPIKE'])).toBe('LOAD_JUMP RUN_SPIKE');
    expect(csvCell('Easy run')).toBe('Easy run');
  });
});

describe('the CSV writers', () => {
  it('the API diary and the diary page download neutralise a note like -1+2 and keep negative numbers', async () => {
    const { diaryCsv: apiCsv } = await import('../services/pain/diary.js');
    const { diaryCsv: pageCsv } = await import('../http/pages/diary-data.js');
    const api = apiCsv([{ localDate: '2026-05-04', note: '-1+2', nextMorningChange: -1.5, warnings: [] } as never]);
    expect(api.split('\r\n')[1]).toContain(`,"'-1+2",`);
    expect(api.split('\r\n')[1]).toContain(',-1.5,');
    const page = pageCsv([{ localDate: '2026-05-04', note: '-1+2', distanceM: null, movingTimeS: null, paceSPerKm: null } as never]);
    // the note is one whole cell (a source column may follow it)
    expect(page.split('\r\n')[1]).toMatch(/,"'-1\+2"(,|$)/);
  });
});
