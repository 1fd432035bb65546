import express, { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { RESOLVES_RUNNER, routeMatcher } from './route-table.js';

function table() {
  const v1 = Router();
  const a = Router();
  a.post('/v1/runners', (_q, r) => r.end());
  a.get('/v1/runners/:runnerId', (_q, r) => r.end());
  a.get('/v1/runners/:runnerId/activities/:activityId', (_q, r) => r.end());
  const b = Router();
  const marked = Object.assign((_q: express.Request, _r: express.Response, n: express.NextFunction) => n(), { [RESOLVES_RUNNER]: true });
  b.post('/v1/prompts/:promptId/answer', marked, (_q, r) => r.end());
  b.get('/v1/files/*rest', (_q, r) => r.end());
  v1.use(a);
  v1.use(b);
  return routeMatcher(v1);
}

describe('routeMatcher', () => {
  const match = table();

  it('finds the route and its decoded params as express would (HEAD reaches GET, case-insensitive literals, one trailing slash)', () => {
    expect(match('GET', '/v1/runners/abc')).toEqual({
      route: { method: 'GET', path: '/v1/runners/:runnerId' },
      params: { runnerId: 'abc' },
      resolvesRunner: false,
    });
    expect(match('HEAD', '/v1/runners/abc')?.params).toEqual({ runnerId: 'abc' });
    expect(match('get', '/V1/Runners/abc/')?.params).toEqual({ runnerId: 'abc' });
    expect(match('GET', '/v1/runners/a%20b/activities/x')?.params).toEqual({ runnerId: 'a b', activityId: 'x' });
    expect(match('POST', '/v1/runners')?.params).toEqual({});
  });

  it('tells which routes resolve their runner themselves', () => {
    expect(match('POST', '/v1/prompts/p1/answer')).toMatchObject({ params: { promptId: 'p1' }, resolvesRunner: true });
  });

  it('matches nothing for another method, another shape, a broken escape or a path syntax it does not read', () => {
    expect(match('DELETE', '/v1/runners/abc')).toBeNull();
    expect(match('GET', '/v1/runners/abc/weeks')).toBeNull();
    expect(match('GET', '/v1/runners//activities/x')).toBeNull();
    expect(match('GET', '/v1/runners/%E0%A4%A/activities/x')).toBeNull();
    expect(match('GET', '/v1/files/a/b')).toBeNull();
  });
});
