import { describe, expect, it } from 'vitest';
import { redactUrl } from './app.js';

describe('redactUrl (request logs)', () => {
  it('drops query strings that carry OAuth codes and the Strava verify token', () => {
    expect(redactUrl('/connect/strava/callback?state=abc&code=secret-code')).toBe('/connect/strava/callback');
    expect(redactUrl('/webhooks/strava?hub.verify_token=tok&hub.challenge=x')).toBe('/webhooks/strava');
  });

  it('masks the Garmin webhook path secret', () => {
    expect(redactUrl('/webhooks/garmin/s3cr3t/activity-files')).toBe('/webhooks/garmin/[redacted]/activity-files');
    expect(redactUrl('/v1/runners/abc')).toBe('/v1/runners/abc');
  });
});
