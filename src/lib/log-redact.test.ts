import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { PermanentJobError } from './errors.js';
import { redactingErrSerializer, redactLocation, redactResponseHeaders, redactSetCookie, redactUrl, safeErrorMessage, withSafeMessage } from './log-redact.js';

describe('redactUrl', () => {
  it('masks the token of sign-in, share, answer and export download links and the Garmin secret, and drops query strings', () => {
    expect(redactUrl('/login/AbC_def-123456789012345678901234567890123')).toBe('/login/[redacted]');
    expect(redactUrl('/s/AbC_def-1234567890')).toBe('/s/[redacted]');
    expect(redactUrl('/p/AbC_def-1234567890?saved=1')).toBe('/p/[redacted]');
    expect(redactUrl('/exports/AbC_def-123456789012345678901234567890123')).toBe('/exports/[redacted]');
    expect(redactUrl('/Exports/AbC_def-1234567890')).toBe('/Exports/[redacted]');
    expect(redactUrl('/export')).toBe('/export');
    expect(redactUrl('/webhooks/garmin/s3cr3t/activity-files')).toBe('/webhooks/garmin/[redacted]/activity-files');
    expect(redactUrl('/connect/strava?link=signed.link')).toBe('/connect/strava');
    expect(redactUrl('/share/6f1c1a4e-2b9f-4c1e-9d7a-000000000001/revoke')).toBe('/share/6f1c1a4e-2b9f-4c1e-9d7a-000000000001/revoke');
    expect(redactUrl('/sessions')).toBe('/sessions');
    // express routes match whatever the case
    expect(redactUrl('/LOGIN/AbC_def-1234567890')).toBe('/LOGIN/[redacted]');
    expect(redactUrl('/S/AbC_def-1234567890')).toBe('/S/[redacted]');
    expect(redactUrl('/Webhooks/Garmin/s3cr3t/pings')).toBe('/Webhooks/Garmin/[redacted]/pings');
  });
});

describe('response headers', () => {
  it('keep a cookie’s name and attributes but not its value', () => {
    expect(redactSetCookie('stridesync_session=tok123; Path=/; HttpOnly')).toBe('stridesync_session=[redacted]; Path=/; HttpOnly');
    expect(redactSetCookie('a=b')).toBe('a=[redacted]');
    const h = redactResponseHeaders({ 'set-cookie': ['x=1; Path=/', 'y=2'], location: '/p/tok?saved=1', 'content-type': 'text/html' });
    expect(h).toEqual({ 'set-cookie': ['x=[redacted]; Path=/', 'y=[redacted]'], location: '/p/[redacted]', 'content-type': 'text/html' });
  });

  it('redirect targets lose their query (OAuth state) and secret segments', () => {
    expect(redactLocation('https://www.strava.com/oauth/authorize?client_id=1&state=signed')).toBe('https://www.strava.com/oauth/authorize');
    expect(redactLocation('http://runner.test/login/tok')).toBe('http://runner.test/login/[redacted]');
    expect(redactLocation('/')).toBe('/');
  });
});

describe('redactingErrSerializer', () => {
  it('removes a failed query’s parameter values from its fields, message and stack, and keeps the statement', () => {
    const cause = Object.assign(new Error('insert or update on table "runner_shares" violates foreign key constraint'), {
      detail: 'Key (runner_id)=(6f1c1a4e-2b9f-4c1e-9d7a-000000000001) is not present in table "runners".',
      code: '23503',
    });
    const err = new DrizzleQueryError('insert into "runner_shares" ("recipient", "note") values ($1, $2)', ['Kari Secret-Physio', 'left knee\nhurts'], cause);
    const out = redactingErrSerializer(err) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain('Kari Secret-Physio');
    expect(text).not.toContain('hurts');
    expect(text).not.toContain('6f1c1a4e-2b9f-4c1e-9d7a-000000000001');
    expect(out.params).toBe('[redacted]');
    expect(out.query).toContain('insert into "runner_shares"');
    expect(out.message).toContain('params: [redacted]');
    expect(out.message).toContain('violates foreign key constraint');
    expect(out.stack).toContain('params: [redacted]');
    expect(out.type).toBe('DrizzleQueryError');
  });

  it('keeps the columns of a Postgres detail, drops values quoted in a message and nodemailer’s recipients', () => {
    const pgErr = Object.assign(new Error('invalid input syntax for type uuid: "ana@example.org"'), {
      detail: 'Key (runner_id, email)=(x, ana@example.org) already exists.',
    });
    const out = redactingErrSerializer(pgErr) as Record<string, unknown>;
    expect(out.detail).toBe('Key (runner_id, email)=([redacted]) already exists.');
    expect(JSON.stringify(out)).not.toContain('ana@example.org');
    const mailErr = Object.assign(new Error('Can not send mail to all recipients'), { rejected: ['bo@example.org'], code: 'EENVELOPE' });
    expect(JSON.stringify(redactingErrSerializer(mailErr))).not.toContain('bo@example.org');
    const refused = Object.assign(
      new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <cy.runner@mail.example.org>: Recipient address rejected"),
      {
        response: '550 5.1.1 <cy.runner@mail.example.org>: Recipient address rejected',
        responseCode: 550,
      },
    );
    const smtpOut = redactingErrSerializer(refused) as Record<string, unknown>;
    expect(JSON.stringify(smtpOut)).not.toContain('cy.runner');
    expect(smtpOut.response).toBe('550 5.1.1 <[redacted]>: Recipient address rejected');
    expect(smtpOut.responseCode).toBe(550);
  });

  it('leaves non-errors as they are', () => {
    expect(redactingErrSerializer('plain')).toBe('plain');
  });
});

describe('safeErrorMessage', () => {
  const failedInsert = () =>
    new DrizzleQueryError(
      'insert into "runner_shares" ("recipient", "note") values ($1, $2)',
      ['Kari Secret-Physio', 'left knee\nhurts, ana@example.org'],
      Object.assign(new Error('duplicate key value violates unique constraint "runner_shares_token"'), { code: '23505' }),
    );

  it('keeps a failed query’s statement and replaces its parameter values', () => {
    const msg = safeErrorMessage(failedInsert());
    expect(msg).toBe('Failed query: insert into "runner_shares" ("recipient", "note") values ($1, $2)\nparams: [redacted]');
  });

  it('masks the params line of a drizzle message copied into another error, up to the stack', () => {
    const wrapped = new Error(`push failed: ${failedInsert().message}`);
    expect(safeErrorMessage(wrapped)).toBe('push failed: Failed query: insert into "runner_shares" ("recipient", "note") values ($1, $2)\nparams: [redacted]');
    expect(safeErrorMessage(`webhook: ${failedInsert().message}`)).not.toContain('Secret-Physio');
  });

  it('masks Postgres detail values, quoted input and e-mail addresses in a message', () => {
    expect(safeErrorMessage(new Error('Key (runner_id, email)=(x, ana@example.org) already exists.'))).toBe(
      'Key (runner_id, email)=([redacted]) already exists.',
    );
    expect(safeErrorMessage(new Error('Key (lower(name))=(Kari (physio)) conflicts with existing key (lower(name))=(Kari (physio)).'))).toBe(
      'Key (lower(name))=([redacted]) conflicts with existing key (lower(name))=([redacted]).',
    );
    expect(safeErrorMessage(new Error('Failing row contains (1, Kari Secret, null).'))).toBe('Failing row contains ([redacted]).');
    expect(safeErrorMessage(new Error('invalid input syntax for type uuid: "Kari Secret"'))).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(safeErrorMessage(new Error('550 5.1.1 <cy.runner@mail.example.org>: Recipient address rejected'))).toBe(
      '550 5.1.1 <[redacted]>: Recipient address rejected',
    );
  });

  it('leaves an ordinary message as it is, and takes non-errors too', () => {
    expect(safeErrorMessage(new Error('Strava unreachable: connect ECONNREFUSED 127.0.0.1:443'))).toBe(
      'Strava unreachable: connect ECONNREFUSED 127.0.0.1:443',
    );
    expect(safeErrorMessage('plain')).toBe('plain');
    expect(safeErrorMessage(42)).toBe('42');
  });
});

describe('withSafeMessage', () => {
  it('copies an error with its class and fields, and a message and stack without the values', () => {
    const cause = new Error('violates foreign key constraint');
    const err = Object.assign(new DrizzleQueryError('update "runners" set "name" = $1', ['Kari Secret-Physio'], cause), { isRetryable: false });
    const safe = withSafeMessage(err);
    expect(safe).not.toBe(err);
    expect(safe).toBeInstanceOf(DrizzleQueryError);
    expect(safe.message).toBe('Failed query: update "runners" set "name" = $1\nparams: [redacted]');
    expect(safe.stack).toContain('params: [redacted]');
    expect(safe.stack).toContain('\n    at ');
    expect(safe.stack).not.toContain('Secret-Physio');
    expect(safe.query).toBe(err.query);
    expect(safe.cause).toBe(cause);
    expect((safe as unknown as { isRetryable: unknown }).isRetryable).toBe(false);
    expect(Object.keys(safe)).not.toContain('message');
    // the original is untouched
    expect(err.message).toContain('Secret-Physio');
  });

  it('keeps a permanent error’s code, and returns an error with nothing to hide as it is', () => {
    const permanent = new PermanentJobError('bad_row', 'Key (email)=(ana@example.org) already exists.');
    const safe = withSafeMessage(permanent);
    expect(safe).toBeInstanceOf(PermanentJobError);
    expect(safe.code).toBe('bad_row');
    expect(safe.name).toBe('PermanentJobError');
    expect(safe.message).toBe('Key (email)=([redacted]) already exists.');
    const plain = new Error('nothing secret');
    expect(withSafeMessage(plain)).toBe(plain);
    expect(withSafeMessage('text')).toBe('text');
  });
});
