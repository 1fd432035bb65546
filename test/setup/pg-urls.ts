/** Where tests find PostgreSQL and Redis (the machine's real services). */
export const PG_BASE_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const ADMIN_URL = `${PG_BASE_URL}/postgres`;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE_PREFIX = 'stridesync_tpl_';
export const TEST_DB_PREFIX = 'stridesync_t_';

export function databaseUrl(name: string): string {
  return `${PG_BASE_URL}/${name}`;
}
