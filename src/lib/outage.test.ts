import { describe, expect, it } from 'vitest';
import { isPostgresUnavailable, isRedisUnavailable, isReferencedRowGone, outageError } from './outage.js';

function pgError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('outage classification', () => {
  it('recognises Postgres being down, also when wrapped as a cause', () => {
    expect(isPostgresUnavailable(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5440'))).toBe(true);
    expect(isPostgresUnavailable(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isPostgresUnavailable(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isPostgresUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    const wrapped = Object.assign(new Error('Failed query: select 1'), { cause: pgError('ECONNREFUSED') });
    expect(isPostgresUnavailable(wrapped)).toBe(true);
    const aggregate = Object.assign(new AggregateError([pgError('ECONNREFUSED')], ''), {});
    expect(isPostgresUnavailable(aggregate)).toBe(true);
  });

  it('does not mistake bugs or constraint violations for an outage', () => {
    expect(isPostgresUnavailable(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isPostgresUnavailable(pgError('22P02', 'invalid input syntax for type uuid'))).toBe(false);
    expect(isPostgresUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(outageError(new Error('nope'))).toBeNull();
  });

  it('recognises Redis being down and maps both to 503 codes', () => {
    expect(isRedisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnavailable(new Error('Reached the max retries per request limit (which is 1).'))).toBe(true);
    expect(outageError(pgError('ECONNREFUSED'))?.code).toBe('database_unavailable');
    expect(outageError(new Error('Connection is closed.'))).toMatchObject({ status: 503, code: 'queue_unavailable' });
  });

  it('recognises an insert naming a row that is gone (an erased runner), wrapped or not, and nothing else', () => {
    const fk = Object.assign(pgError('23503', 'insert or update on table "activities" violates foreign key constraint'), {
      detail: 'Key (runner_id)=(6f1c1a4e-2b9f-4c1e-9d7a-000000000000) is not present in table "runners".',
    });
    expect(isReferencedRowGone(fk)).toBe(true);
    expect(isReferencedRowGone(Object.assign(new Error('Failed query: insert …'), { cause: fk }))).toBe(true);
    // a delete still referenced elsewhere is another foreign key error
    expect(isReferencedRowGone(Object.assign(pgError('23503'), { detail: 'Key (id)=(x) is still referenced from table "activities".' }))).toBe(false);
    expect(isReferencedRowGone(pgError('23505'))).toBe(false);
    expect(isReferencedRowGone(pgError('ECONNREFUSED'))).toBe(false);
  });
});
