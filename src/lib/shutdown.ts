import type { Logger } from './logger.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Ordered shutdown on SIGTERM/SIGINT: stop accepting HTTP, let workers finish their active jobs,
 * close queues and connections, flush logs — capped so a stuck step cannot hang the process.
 */
export function installShutdown(log: Logger, steps: ShutdownStep[], timeoutMs = 25_000): (signal: string) => Promise<void> {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step.run();
        log.debug({ step: step.name }, 'closed');
      } catch (err) {
        log.warn({ step: step.name, err }, 'close failed');
      }
    }
    clearTimeout(timer);
    log.info('stopped');
    log.flush?.();
    process.exitCode = 0;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
