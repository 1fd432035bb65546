import { describe, expect, it } from 'vitest';
import {
  AppError,
  BadRequestError,
  ConflictError,
  isPermanentError,
  NotConfiguredError,
  NotFoundError,
  PermanentJobError,
  permanentErrorCode,
  UnauthorizedError,
  ValidationError,
} from './errors.js';

/** Shaped like a provider client's error (the Strava client's StravaApiError): a status and a retryable flag. */
class ProviderApiError extends Error {
  override name = 'ProviderApiError';
  constructor(readonly status: number) {
    super(`provider answered ${status}`);
  }
  get isRetryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

describe('isPermanentError', () => {
  it('fails for good on PermanentJobError and on 4xx AppErrors (validation, bad request, not found, conflict)', () => {
    for (const err of [
      new PermanentJobError('fit_invalid', 'no'),
      new ValidationError('bad'),
      new BadRequestError('bad'),
      new NotFoundError('gone'),
      new ConflictError('twice'),
    ]) {
      expect(isPermanentError(err), err.name).toBe(true);
    }
  });

  it('honours an error’s own flag, whatever its class', () => {
    expect(isPermanentError(new ProviderApiError(404))).toBe(true);
    expect(isPermanentError(new ProviderApiError(400))).toBe(true);
    expect(isPermanentError(new ProviderApiError(503))).toBe(false);
    expect(isPermanentError(new ProviderApiError(0))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('flagged'), { permanent: true }))).toBe(true);
    expect(isPermanentError(Object.assign(new Error('flagged'), { isRetryable: true }))).toBe(false);
  });

  it('keeps 401, 408 and 429 retryable (a refreshed token, a second try or a wait may fix them)', () => {
    for (const status of [401, 408, 429]) {
      expect(isPermanentError(new ProviderApiError(status)), String(status)).toBe(false);
      expect(isPermanentError(new AppError(status, 'x', 'y')), String(status)).toBe(false);
    }
    expect(isPermanentError(new UnauthorizedError())).toBe(false);
    // an explicit permanent flag still wins
    expect(isPermanentError(Object.assign(new Error('revoked'), { status: 401, permanent: true }))).toBe(true);
  });

  it('retries everything else: 5xx AppErrors, plain errors, non-errors', () => {
    expect(isPermanentError(new NotConfiguredError('Strava'))).toBe(false);
    expect(isPermanentError(new Error('socket hang up'))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('has a status but no flag'), { status: 404 }))).toBe(false);
    expect(isPermanentError('boom')).toBe(false);
    expect(isPermanentError(undefined)).toBe(false);
  });
});

describe('permanentErrorCode', () => {
  it('uses the error’s own code, else its name and status', () => {
    expect(permanentErrorCode(new PermanentJobError('garmin_entry_missing', 'x'))).toBe('garmin_entry_missing');
    expect(permanentErrorCode(new NotFoundError('x', 'runner_not_found'))).toBe('runner_not_found');
    expect(permanentErrorCode(new ProviderApiError(404))).toBe('provider_api_error_404');
    expect(permanentErrorCode(Object.assign(new Error('x'), { permanent: true }))).toBe('error');
    // a code that is not a machine code (e.g. Node's 'ECONNRESET') is not used
    expect(permanentErrorCode(Object.assign(new Error('x'), { code: 'ECONNRESET', permanent: true }))).toBe('error');
  });
});
