import { describe, expect, it } from 'vitest';
import { webhookProvider } from '../../services/metrics.js';
import { presentedSecret } from './admin-auth.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('presentedSecret', () => {
  it('takes a Bearer token, or the password of Basic credentials (any user name, colons allowed in the password)', () => {
    expect(presentedSecret('Bearer k3y')).toBe('k3y');
    expect(presentedSecret('bearer k3y')).toBe('k3y');
    expect(presentedSecret(basic('ops:k3y'))).toBe('k3y');
    expect(presentedSecret(basic(':k3y'))).toBe('k3y');
    expect(presentedSecret(basic('ops:a:b'))).toBe('a:b');
  });

  it('presents nothing for a missing, malformed or password-less header', () => {
    expect(presentedSecret(undefined)).toBeNull();
    expect(presentedSecret('')).toBeNull();
    expect(presentedSecret('Bearer')).toBeNull();
    expect(presentedSecret('Token k3y')).toBeNull();
    expect(presentedSecret(basic('no-colon'))).toBeNull();
    expect(presentedSecret('Basic !!!')).toBeNull();
  });
});

describe('webhookProvider', () => {
  it('names the provider of a webhook path and nothing of the rest (the Garmin secret)', () => {
    expect(webhookProvider('/webhooks/strava')).toBe('strava');
    expect(webhookProvider('/webhooks/garmin/s3cret/activity-files')).toBe('garmin');
    expect(webhookProvider('/webhooks/other')).toBeNull();
    expect(webhookProvider('/webhooks/stravax')).toBeNull();
    expect(webhookProvider('/v1/runners')).toBeNull();
  });
});
