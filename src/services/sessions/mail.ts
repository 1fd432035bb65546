import type { AppDeps } from '../../deps.js';
import { mailConfigured, sendMail } from '../../lib/mailer.js';
import type { MagicLink } from './index.js';
import { escapeHtml } from '../../http/pages/html.js';

/**
 * Email the magic link when the runner has an address and mail is configured. Returns whether it
 * was sent; a mail failure is logged (without the link) and does not fail the request.
 */
export async function sendMagicLinkMail(
  deps: Pick<AppDeps, 'env' | 'log'>,
  runner: { id: string; name: string; email?: string | null },
  link: MagicLink,
): Promise<boolean> {
  if (!runner.email || !mailConfigured(deps.env)) return false;
  const text = `Hello ${runner.name},\n\nOpen your stridesync pages with this link (it works once, within 15 minutes):\n${link.url}\n\nIf you did not ask for it, ignore this message.\n`;
  const html = `<p>Hello ${escapeHtml(runner.name)},</p><p><a href="${escapeHtml(link.url)}">Open your stridesync pages</a> (the link works once, within 15 minutes).</p><p>If you did not ask for it, ignore this message.</p>`;
  try {
    await sendMail(deps, { to: runner.email, subject: 'Your stridesync sign-in link', text, html });
    return true;
  } catch (err) {
    deps.log.warn({ runnerId: runner.id, err }, 'sign-in link e-mail not sent');
    return false;
  }
}
