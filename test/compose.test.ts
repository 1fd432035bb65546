import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvSchema } from '../src/config/env.js';

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };

  it('runs Postgres, Redis, the API and the workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    expect(compose.services.api!.environment!.ROLE).toBe('api');
    expect(compose.services.worker!.environment!.ROLE).toBe('worker');
    for (const s of ['api', 'worker']) {
      expect(compose.services[s]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
  });

  it('passes only variables the service knows (no drift from the config schema)', () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    for (const s of ['api', 'worker']) {
      const unknown = Object.keys(compose.services[s]!.environment!).filter((k) => !known.has(k));
      expect(unknown).toEqual([]);
    }
  });
});
