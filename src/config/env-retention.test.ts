import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from './env.js';

describe('STRAVA_RETENTION, GARMIN_RETENTION, UPLOAD_RETENTION', () => {
  it('default to a 7-day cache for Strava and indefinite for Garmin and uploads', () => {
    const env = loadEnv({});
    expect(env.STRAVA_RETENTION).toEqual({ kind: 'cache', days: 7 });
    expect(env.GARMIN_RETENTION).toEqual({ kind: 'indefinite' });
    expect(env.UPLOAD_RETENTION).toEqual({ kind: 'indefinite' });
    expect(loadEnv({ STRAVA_RETENTION: '' }).STRAVA_RETENTION).toEqual({ kind: 'cache', days: 7 });
  });

  it('take indefinite or cache:<n>d', () => {
    expect(loadEnv({ STRAVA_RETENTION: 'cache:2d', GARMIN_RETENTION: 'cache:30d', UPLOAD_RETENTION: 'indefinite' })).toMatchObject({
      STRAVA_RETENTION: { kind: 'cache', days: 2 },
      GARMIN_RETENTION: { kind: 'cache', days: 30 },
      UPLOAD_RETENTION: { kind: 'indefinite' },
    });
  });

  it('refuse anything else, naming the variable and the form expected', () => {
    expect(() => loadEnv({ STRAVA_RETENTION: 'forever' })).toThrow(ConfigError);
    expect(() => loadEnv({ STRAVA_RETENTION: '7d' })).toThrow(/STRAVA_RETENTION: must be "indefinite" or "cache:<days>d"/);
    expect(() => loadEnv({ GARMIN_RETENTION: 'cache:0d' })).toThrow(/GARMIN_RETENTION: must be/);
  });
});
