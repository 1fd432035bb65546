import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from './context.js';
import { TEST_API_KEY } from './context.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI entry (`src/cli/main.ts` through tsx), pointed at the test file's database and Redis prefix. */
export function runCli(ctx: TestContext, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: ctx.env.DATABASE_URL,
        REDIS_URL: ctx.env.REDIS_URL,
        REDIS_PREFIX: ctx.prefix,
        API_KEYS: TEST_API_KEY,
        TOKEN_ENCRYPTION_KEY: ctx.env.tokenEncryptionKey.toString('base64'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A CLI command's io that keeps what it prints: `out` and `err` collect the lines, `isTty` is false. */
export function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false }, out, err };
}
