import type { PromptKind } from '../../db/schema/index.js';
import { formatDay, formatDuration, formatKm } from '../../domain/messages.js';
import type { Question } from './questions.js';

/** A short summary of the run a prompt is about. */
export interface RunSummary {
  activityId: string;
  localDate: string;
  distanceKm: number | null;
  movingTimeS: number | null;
  elevationLossM: number | null;
  cadenceSpm: number | null;
}

/** What every delivery channel gets for one prompt event. */
export interface PromptMessage {
  event: 'pain_prompt.due' | 'pain_prompt.reminder';
  promptId: string;
  kind: PromptKind;
  runner: { id: string; name: string; email: string | null; timezone: string };
  /** one line, e.g. "How is your knee after Monday's run?" */
  title: string;
  /** plain-text body: the run summary and the questions */
  text: string;
  /** PUBLIC_URL/p/<token>: the answer page */
  answerUrl: string;
  run: RunSummary | null;
  questions: Question[];
  dueAt: string;
  expiresAt: string;
}

export function runSummaryLine(run: RunSummary | null): string {
  if (!run) return '';
  const parts = [formatDay(run.localDate)];
  if (run.distanceKm !== null) parts.push(formatKm(run.distanceKm * 1000));
  if (run.movingTimeS !== null) parts.push(formatDuration(run.movingTimeS));
  if (run.elevationLossM !== null) parts.push(`${Math.round(run.elevationLossM)} m descent`);
  if (run.cadenceSpm !== null) parts.push(`${Math.round(run.cadenceSpm)} steps/min`);
  return parts.join(' · ');
}

export function promptTitle(kind: PromptKind, run: RunSummary | null, reminder: boolean): string {
  const again = reminder ? 'Reminder: ' : '';
  switch (kind) {
    case 'after_run':
      return `${again}How is your knee after your run${run ? ` on ${formatDay(run.localDate)}` : ''}?`;
    case 'settle_check':
      return `${again}Has your knee settled after your run?`;
    case 'next_morning':
      return `${again}Good morning: how is your knee today?`;
    case 'rest_morning':
      return `${again}Good morning: a one-question knee check`;
  }
}

export function promptText(title: string, run: RunSummary | null, questions: Question[], answerUrl: string): string {
  const lines = [title, ''];
  if (run) lines.push(`Your run: ${runSummaryLine(run)}`, '');
  lines.push(
    'We ask:',
    ...questions.map((q) => `- ${q.text}`),
    '',
    `Answer here (takes under a minute): ${answerUrl}`,
    '',
    '0 means no pain, 10 the worst imaginable.',
  );
  return lines.join('\n');
}
