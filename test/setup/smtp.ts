import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A loopback SMTP server for tests: every message it receives is kept, raw, in `mails`. */
export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL` */
  url: string;
  mails: string[];
  close(): Promise<void>;
}

/** Starts the server on a loopback port; received messages are pushed onto `mails` (a new array by default). */
export async function startTestSmtp(mails: string[] = []): Promise<TestSmtp> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push(raw);
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
