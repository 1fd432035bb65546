import type { AppDeps } from '../../deps.js';
import type { HtmlValue } from './html.js';

/** The cadence chart, report and goal as the pages show them. */
export async function cadenceSection(_deps: AppDeps, _runnerId: string): Promise<HtmlValue> {
  return '';
}
