import { z } from 'zod';
import type { PromptKind } from '../../db/schema/index.js';

/** One question of a prompt, with the answer name used by the API, the page and the diary. */
export interface Question {
  name: string;
  text: string;
  type: 'scale' | 'yesno' | 'choice';
  required: boolean;
  options?: Array<{ value: string; label: string }>;
}

export interface QuestionOptions {
  /** a cadence (gait) goal is active: ask about the calf and Achilles too */
  askCalf: boolean;
}

/** A required question with one answer out of a few. */
function choice(name: string, text: string, options: ReadonlyArray<readonly [value: string, label: string]>): Question {
  return { name, text, type: 'choice', required: true, options: options.map(([value, label]) => ({ value, label })) };
}

/** The question sets, in plain words (see docs/pain.md). */
export function questionsFor(kind: PromptKind, opts: QuestionOptions): Question[] {
  switch (kind) {
    case 'after_run':
      return [
        { name: 'duringRun', text: 'What was the worst knee pain during the run?', type: 'scale', required: true },
        { name: 'painNow', text: 'How much does your knee hurt right now?', type: 'scale', required: true },
        { name: 'painBefore', text: 'How much did your knee hurt before you started? (optional)', type: 'scale', required: false },
        { name: 'stoppedForKnee', text: 'Did you stop or walk because of your knee?', type: 'yesno', required: true },
        ...(opts.askCalf
          ? [{ name: 'calfDuring', text: 'What was the worst calf or Achilles pain during the run?', type: 'scale' as const, required: false }]
          : []),
      ];
    case 'settle_check':
      return [
        choice('settled', 'Is your knee back to how it was before the run?', [
          ['yes', 'Yes'],
          ['not_yet', 'Not yet'],
        ]),
      ];
    case 'next_morning':
      return [
        { name: 'nextMorning', text: 'How much knee pain or stiffness did you have when you got up?', type: 'scale', required: true },
        choice('nextMorningVsYesterday', 'Compared with yesterday morning, is your knee…', [
          ['better', 'Better'],
          ['same', 'The same'],
          ['worse', 'Worse'],
        ]),
        { name: 'stairsOrSittingWorse', text: 'Are stairs or sitting worse than usual? (optional)', type: 'yesno', required: false },
      ];
    case 'rest_morning':
      return [{ name: 'nextMorning', text: 'How much knee pain or stiffness did you have when you got up?', type: 'scale', required: true }];
  }
}

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
export const Scale = z.preprocess(
  (v) => {
    const b = blank(v);
    return typeof b === 'string' && /^\s*\d+\s*$/.test(b) ? Number(b) : b;
  },
  z.number({ error: 'choose a number from 0 to 10' }).int('a whole number from 0 to 10').min(0, 'from 0 to 10').max(10, 'from 0 to 10'),
);
export const YesNo = z.preprocess(
  (v) => {
    const b = blank(v);
    return b === 'yes' ? true : b === 'no' ? false : b;
  },
  z.boolean({ error: 'answer yes or no' }),
);
export const VsYesterdayAnswer = z.enum(['better', 'same', 'worse'], { error: 'choose better, the same or worse' });
export const Note = z.preprocess(blank, z.string().trim().max(2000, 'at most 2000 characters').optional());

/** zod schema of one prompt's answer; page forms (strings) and JSON (numbers, booleans) both parse. */
export function answerSchema(kind: PromptKind, opts: QuestionOptions) {
  switch (kind) {
    case 'after_run':
      return z.object({
        duringRun: Scale,
        painNow: Scale,
        painBefore: Scale.optional(),
        stoppedForKnee: YesNo,
        calfDuring: opts.askCalf ? Scale.optional() : z.undefined().optional().catch(undefined),
        note: Note.optional(),
      });
    case 'settle_check':
      return z.object({ settled: z.preprocess(blank, z.enum(['yes', 'not_yet'], { error: 'choose yes or not yet' })), note: Note.optional() });
    case 'next_morning':
      return z.object({
        nextMorning: Scale,
        nextMorningVsYesterday: z.preprocess(blank, VsYesterdayAnswer),
        stairsOrSittingWorse: YesNo.optional(),
        note: Note.optional(),
      });
    case 'rest_morning':
      return z.object({ nextMorning: Scale, note: Note.optional() });
  }
}

export type PromptAnswer = {
  duringRun?: number;
  painNow?: number;
  painBefore?: number;
  stoppedForKnee?: boolean;
  calfDuring?: number;
  settled?: 'yes' | 'not_yet';
  nextMorning?: number;
  nextMorningVsYesterday?: 'better' | 'same' | 'worse';
  stairsOrSittingWorse?: boolean;
  note?: string;
};
