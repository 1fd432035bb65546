import { describe, expect, it } from 'vitest';
import { idlePolicyOf } from '../services/sessions/index.js';
import { ConfigError, loadEnv } from './env.js';

describe('SESSION_IDLE_TIMEOUT_MIN', () => {
  it('defaults to 7 days and sets the idle policy of the runner’s page sessions', () => {
    expect(loadEnv({}).SESSION_IDLE_TIMEOUT_MIN).toBe(7 * 24 * 60);
    expect(idlePolicyOf(loadEnv({ SESSION_IDLE_TIMEOUT_MIN: '90' }))).toEqual({ idleMs: 90 * 60_000 });
  });

  it('refuses values that are not whole minutes between 15 and 30 days, naming the variable', () => {
    expect(() => loadEnv({ SESSION_IDLE_TIMEOUT_MIN: 'a week' })).toThrow(ConfigError);
    expect(() => loadEnv({ SESSION_IDLE_TIMEOUT_MIN: 'a week' })).toThrow(/SESSION_IDLE_TIMEOUT_MIN: must be a number of minutes/);
    expect(() => loadEnv({ SESSION_IDLE_TIMEOUT_MIN: '5' })).toThrow(/SESSION_IDLE_TIMEOUT_MIN: must be at least 15 minutes/);
    expect(() => loadEnv({ SESSION_IDLE_TIMEOUT_MIN: '43201' })).toThrow(/SESSION_IDLE_TIMEOUT_MIN: must be at most 43200/);
    expect(() => loadEnv({ SESSION_IDLE_TIMEOUT_MIN: '60.5' })).toThrow(/SESSION_IDLE_TIMEOUT_MIN: must be a whole number/);
  });
});
