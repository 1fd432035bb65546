import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactingErrSerializer } from './log-redact.js';

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets never reach a log line: the redact list covers tokens and
 * authorization headers wherever they appear. Errors are logged as objects under `err` (never just
 * their message): pino's serializer keeps the type, the stack and the causes' stacks, and
 * `redactingErrSerializer` removes the values a failed query or mail carried (see src/lib/log-redact.ts).
 */
export function createLogger(
  opts: {
    level?: string;
    name?: string;
    /** 'stderr' for the CLI, whose stdout carries only results */
    stream?: 'stdout' | 'stderr';
    /** where the lines go instead (tests read them back) */
    destination?: DestinationStream;
  } = {},
): Logger {
  const options = {
    name: opts.name ?? 'stridesync',
    level: opts.level ?? 'info',
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        // the values of a failed statement, should an error reach a logger without redactingErrSerializer
        'err.params',
        '*.accessToken',
        '*.refreshToken',
        '*.access_token',
        '*.refresh_token',
        'accessToken',
        'refreshToken',
        // a provider error carries the answer's body and headers
        'err.body.access_token',
        'err.body.refresh_token',
        'err.headers.authorization',
      ],
      censor: '[redacted]',
    },
    serializers: { err: redactingErrSerializer },
  } satisfies LoggerOptions;
  if (opts.destination) return pino(options, opts.destination);
  return opts.stream === 'stderr' ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options);
}

/** A logger that writes nothing, for tests and CLI commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
