import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { continueStep } from './continue-step.js';

/** The Continue step shared by the sign-in and export download links, without a server. */

function fakeRes(): { res: Response; cookies: string[] } {
  const cookies: string[] = [];
  const res = { append: (name: string, value: string) => (name === 'Set-Cookie' ? cookies.push(value) : undefined) } as unknown as Response;
  return { res, cookies };
}

function fakeReq(o: { cookie?: string; csrf?: unknown; origin?: string; host?: string }): Request {
  return {
    headers: { ...(o.cookie !== undefined ? { cookie: o.cookie } : {}), ...(o.origin ? { origin: o.origin } : {}) },
    body: o.csrf === undefined ? undefined : { _csrf: o.csrf },
    protocol: 'http',
    get: (h: string) => (h.toLowerCase() === 'host' ? (o.host ?? 'runner.test') : undefined),
  } as unknown as Request;
}

describe('continueStep', () => {
  const now = new Date('2026-12-06T03:00:00Z');

  it('sets a short-lived HttpOnly SameSite=Strict cookie and a form field with the same random value', () => {
    const step = continueStep('http://runner.test', 'stridesync_test', 30 * 60_000);
    const { res, cookies } = fakeRes();
    const field = step.start(res, now).value;
    const value = /name="_csrf" value="([^"]+)"/.exec(field)![1]!;
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies).toEqual([`stridesync_test=${value}; Path=/; Expires=${new Date(now.getTime() + 30 * 60_000).toUTCString()}; HttpOnly; SameSite=Strict`]);
    // each page gets its own value
    expect(step.start(fakeRes().res, now).value).not.toBe(field);
  });

  it('with an https PUBLIC_URL the cookie is __Host- prefixed and Secure', () => {
    const step = continueStep('https://stridesync.example', 'stridesync_test', 60_000);
    const { res, cookies } = fakeRes();
    step.start(res, now);
    expect(step.cookieName).toBe('__Host-stridesync_test');
    expect(cookies[0]).toMatch(/^__Host-stridesync_test=[^;]+; Path=\/; .*; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('passes only when the cookie and the form value match and the Origin, when sent, is this service', () => {
    const step = continueStep('http://runner.test', 'stridesync_test', 60_000);
    const v = 'value-0123456789abcdef';
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}`, csrf: v }))).toBe(true);
    expect(step.passes(fakeReq({ cookie: `other=1; stridesync_test=${v}`, csrf: v, origin: 'http://runner.test' }))).toBe(true);
    expect(step.passes(fakeReq({ csrf: v }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}` }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}`, csrf: `${v}x` }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}`, csrf: [v] }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: 'stridesync_test=', csrf: '' }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_login=${v}`, csrf: v }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}`, csrf: v, origin: 'https://evil.example' }))).toBe(false);
    expect(step.passes(fakeReq({ cookie: `stridesync_test=${v}`, csrf: v, origin: 'null' }))).toBe(false);
  });

  it('clears the cookie by expiring it', () => {
    const step = continueStep('http://runner.test', 'stridesync_test', 60_000);
    const { res, cookies } = fakeRes();
    step.clear(res);
    expect(cookies).toEqual([`stridesync_test=; Path=/; Expires=${new Date(0).toUTCString()}; HttpOnly; SameSite=Strict`]);
  });
});
