import nodemailer, { type Transporter } from 'nodemailer';
import type { Env } from '../config/env.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const transports = new Map<string, Transporter>();

function transportFor(url: string): Transporter {
  let t = transports.get(url);
  if (!t) {
    // Loopback test servers use self-signed certificates; real relays are verified.
    const local = /^smtps?:\/\/([^@/]*@)?(127\.0\.0\.1|localhost)[:/]/.test(url);
    const u = new URL(url);
    t = nodemailer.createTransport({
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: u.protocol === 'smtps:',
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      ...(local ? { tls: { rejectUnauthorized: false } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    transports.set(url, t);
  }
  return t;
}

/** Whether e-mail is configured (SMTP_URL set). */
export function mailConfigured(env: Pick<Env, 'SMTP_URL'>): boolean {
  return Boolean(env.SMTP_URL);
}

/** Send one e-mail through SMTP_URL (plain text and HTML). Throws on refusal so the job retries. */
export async function sendMail(deps: { env: Pick<Env, 'SMTP_URL' | 'MAIL_FROM'> }, msg: MailMessage): Promise<{ messageId: string }> {
  if (!deps.env.SMTP_URL) throw new Error('SMTP_URL is not set');
  const info = await transportFor(deps.env.SMTP_URL).sendMail({ from: deps.env.MAIL_FROM, to: msg.to, subject: msg.subject, text: msg.text, html: msg.html });
  return { messageId: String(info.messageId) };
}

/** Close pooled connections (shutdown, tests). */
export function closeMailers(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}
