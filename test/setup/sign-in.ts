import type { Express } from 'express';
import request from 'supertest';
import { cookieName } from '../../src/http/middleware/session.js';
import { loginCookieName } from '../../src/http/pages/login.js';

/**
 * Use a magic sign-in link the way its "Continue" page does: the POST with the page's login cookie and
 * the same value as the form's `_csrf` (the GET only shows the page). Answers 303 with the session
 * cookie when the link is good. `publicUrl` decides the cookies' names (`__Host-` only over https).
 */
export function openMagicLink(app: Express, publicUrl: string, path: string): Promise<request.Response> {
  const nonce = 'test-login-nonce-0123456789abcdef';
  return request(app)
    .post(path)
    .set('Cookie', `${loginCookieName(publicUrl)}=${nonce}`)
    .type('form')
    .send({ _csrf: nonce });
}

/** The `name=value` of the session cookie a successful sign-in set. */
export function sessionCookieOf(res: request.Response, publicUrl: string): string {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const c = cookies.find((x) => x.startsWith(`${cookieName(publicUrl)}=`));
  if (!c) throw new Error(`no session cookie in the answer (status ${res.status})`);
  return c.split(';')[0]!;
}
