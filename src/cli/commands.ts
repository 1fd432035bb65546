import type { AppDeps } from '../deps.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  isTty: boolean;
}

/** A CLI command beyond the built-ins; each lives in its own file and is listed here. */
export interface CliCommand {
  usage: string;
  /** true when the command is two words (e.g. "report weeks") */
  takesSub: boolean;
  matches(cmd: string, sub: string | undefined): boolean;
  run(deps: AppDeps, args: string[], io: CliIo): Promise<number>;
}
