import type { AppDeps } from '../../deps.js';
import { escapeHtml } from '../../http/pages/html.js';
import { mailConfigured, sendMail } from '../../lib/mailer.js';

/**
 * E-mail an export's download link when the runner has an address and mail is configured. Returns
 * whether it was sent; a mail failure is logged (without the link) and does not fail the export.
 */
export async function sendExportReadyMail(
  deps: Pick<AppDeps, 'env' | 'log'>,
  runner: { id: string; name: string; email?: string | null },
  link: { url: string; expiresAt: Date; bytes: number },
): Promise<boolean> {
  if (!runner.email || !mailConfigured(deps.env)) return false;
  const until = link.expiresAt
    .toISOString()
    .replace(/:\d\d\.\d+Z$/, ' UTC')
    .replace('T', ' ');
  const size = `${(link.bytes / 1_048_576).toFixed(1)} MB`;
  const text = `Hello ${runner.name},\n\nYour stridesync data export is ready (${size}). Open this link and press "Download my data" to download it:\n${link.url}\n\nThe download works once and until ${until}. The file is then deleted.\n\nIf you did not ask for it, ignore this message.\n`;
  const html = `<p>Hello ${escapeHtml(runner.name)},</p><p>Your stridesync data export is ready (${escapeHtml(size)}). Open <a href="${escapeHtml(link.url)}">your download page</a> and press “Download my data”.</p><p>The download works once and until ${escapeHtml(until)}. The file is then deleted.</p><p>If you did not ask for it, ignore this message.</p>`;
  try {
    await sendMail(deps, { to: runner.email, subject: 'Your stridesync data export is ready', text, html });
    return true;
  } catch (err) {
    deps.log.warn({ runnerId: runner.id, err }, 'export link e-mail not sent');
    return false;
  }
}
