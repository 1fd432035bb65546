import { describe, expect, it } from 'vitest';
import { decideAccess, type KeyGrant } from './api-access.js';

const A = '6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa';
const B = '6f1c1a4e-2b9f-4c1e-9d7a-0000000000bb';
const operator: KeyGrant = { scope: 'operator', runnerId: null, readOnly: false };
const read: KeyGrant = { scope: 'read', runnerId: null, readOnly: false };
const runnerA: KeyGrant = { scope: 'runner', runnerId: A, readOnly: false };
const runnerAReadOnly: KeyGrant = { scope: 'runner', runnerId: A, readOnly: true };
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

describe('decideAccess', () => {
  it('an operator key may do everything, on any runner or none', () => {
    for (const m of ['GET', 'HEAD', ...WRITES]) for (const r of [A, B, null, undefined]) expect(decideAccess(operator, m, r)).toEqual({ allow: true });
  });

  it('a read key may GET and HEAD anything, and nothing else (403 read_only_key)', () => {
    for (const r of [A, B, null, undefined]) {
      expect(decideAccess(read, 'GET', r).allow).toBe(true);
      expect(decideAccess(read, 'head', r).allow).toBe(true);
      for (const m of WRITES) expect(decideAccess(read, m, r)).toMatchObject({ allow: false, status: 403, code: 'read_only_key' });
    }
  });

  it('a runner key may do everything on its runner, answers 404 for another runner and 403 off runner routes', () => {
    for (const m of ['GET', ...WRITES]) {
      expect(decideAccess(runnerA, m, A)).toEqual({ allow: true });
      expect(decideAccess(runnerA, m, A.toUpperCase())).toEqual({ allow: true });
      expect(decideAccess(runnerA, m, B)).toEqual({ allow: false, status: 404 });
      expect(decideAccess(runnerA, m, 'not-a-uuid')).toEqual({ allow: false, status: 404 });
      expect(decideAccess(runnerA, m, null)).toMatchObject({ allow: false, status: 403, code: 'runner_key' });
    }
  });

  it('a runner key whose route resolves its runner later is judged by the method only until then', () => {
    expect(decideAccess(runnerA, 'POST', undefined)).toEqual({ allow: true });
    expect(decideAccess(runnerAReadOnly, 'POST', undefined)).toMatchObject({ allow: false, status: 403, code: 'read_only_key' });
  });

  it('a read-only runner key may only read its own runner', () => {
    expect(decideAccess(runnerAReadOnly, 'GET', A)).toEqual({ allow: true });
    expect(decideAccess(runnerAReadOnly, 'GET', B)).toEqual({ allow: false, status: 404 });
    expect(decideAccess(runnerAReadOnly, 'GET', null)).toMatchObject({ status: 403, code: 'runner_key' });
    for (const m of WRITES) expect(decideAccess(runnerAReadOnly, m, A)).toMatchObject({ allow: false, status: 403, code: 'read_only_key' });
  });

  it('a runner key without its runner (never stored so) reaches nobody', () => {
    expect(decideAccess({ scope: 'runner', runnerId: null, readOnly: false }, 'GET', A)).toEqual({ allow: false, status: 404 });
  });
});
