import { describe, expect, it } from 'vitest';
import { lackingLine, sourceTag } from './fragments.js';

const text = (v: unknown) => (typeof v === 'string' ? v : (v as { value: string }).value);

describe('source and expiry fragments', () => {
  it('says where a run came from, links Strava runs back, and tells how to keep an expired one', () => {
    expect(text(sourceTag('garmin', 'g-1'))).toBe('<span class="source small muted">from Garmin</span>');
    expect(text(sourceTag('upload', 'abc'))).toBe('<span class="source small muted">uploaded</span>');
    const strava = text(sourceTag('strava', '4242'));
    expect(strava).toContain('from Strava');
    expect(strava).toContain('href="https://www.strava.com/activities/4242"');
    expect(strava).not.toContain('expired');
    const expired = text(sourceTag('strava', '4242', true));
    expect(expired).toContain('expired from Strava — import your archive to keep it');
    expect(expired).toContain('href="/connect#keep-your-runs"');
  });

  it('names the runs a week lacks, and says nothing when it lacks none', () => {
    expect(lackingLine([])).toBe('');
    const line = text(lackingLine([{ localDate: '2026-02-02', source: 'strava' }]));
    expect(line).toContain('1 run whose Strava data expired');
    expect(line).toContain('Monday 2 Feb');
    expect(
      text(
        lackingLine([
          { localDate: '2026-02-02', source: 'strava' },
          { localDate: '2026-02-03', source: 'strava' },
        ]),
      ),
    ).toContain('2 runs');
  });
});
