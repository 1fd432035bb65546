import { describe, expect, it } from 'vitest';
import { answerSchema } from './questions.js';

describe('answer forms', () => {
  it('takes an empty note box as no note (a page form always sends the field)', () => {
    const parsed = answerSchema('next_morning', { askCalf: false }).safeParse({ nextMorning: '2', nextMorningVsYesterday: 'same', note: '' });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.note).toBeUndefined();
  });

  it('keeps a written note, trimmed, and refuses one over 2000 characters', () => {
    const schema = answerSchema('next_morning', { askCalf: false });
    expect(schema.safeParse({ nextMorning: '2', nextMorningVsYesterday: 'same', note: '  stairs hurt ' }).data).toMatchObject({ note: 'stairs hurt' });
    expect(schema.safeParse({ nextMorning: '2', nextMorningVsYesterday: 'same', note: 'x'.repeat(2001) }).success).toBe(false);
  });
});
