import type { AppDeps } from '../../deps.js';
import type { RunnerRow } from '../../db/queries/runners.js';
import { encryptSecret } from '../../lib/crypto.js';
import { sendMail } from '../../lib/mailer.js';
import { enqueueNotification, recordNotification } from '../notify.js';
import type { PromptMessage } from './message.js';
import { promptEmail } from './email.js';
import { pushChannel } from '../push.js';

export type ChannelDeps = Pick<AppDeps, 'db' | 'env' | 'enqueue' | 'now' | 'fetch' | 'log'>;

/**
 * A way to reach the runner with a prompt. `send` throws when the channel could not take the
 * message (the prompt job then retries that channel only); each prompt event is sent once per channel.
 */
export interface PromptChannel {
  name: string;
  enabled(deps: ChannelDeps, runner: RunnerRow): boolean;
  send(deps: ChannelDeps, msg: PromptMessage, ctx: { deliveryId: string }): Promise<{ ref?: string } | void>;
}

/** The outbound webhook: the prompt goes into the signed outbox (its own retries), the link encrypted at rest. */
export const webhookChannel: PromptChannel = {
  name: 'webhook',
  enabled: (deps) => Boolean(deps.env.NOTIFY_WEBHOOK_URL),
  async send(deps, msg, ctx) {
    const { answerUrl, runner, ...rest } = msg;
    const id = await recordNotification(deps.db, {
      runnerId: runner.id,
      kind: msg.event,
      subjectId: ctx.deliveryId,
      payload: { ...rest, runnerName: runner.name, answerUrlEnc: encryptSecret(answerUrl, deps.env.tokenEncryptionKey) },
    });
    await enqueueNotification({ enqueue: deps.enqueue, notifyConfigured: true }, id);
    return id ? { ref: id } : undefined;
  },
};

/** E-mail, when the runner has an address and SMTP_URL is set. */
export const emailChannel: PromptChannel = {
  name: 'email',
  enabled: (deps, runner) => Boolean(deps.env.SMTP_URL && runner.email),
  async send(deps, msg) {
    const mail = promptEmail(msg);
    const info = await sendMail(deps, { to: msg.runner.email!, ...mail });
    return { ref: info.messageId };
  },
};

/** Every channel, in order. Further channels (Web Push) are added to this list. */
export const PROMPT_CHANNELS: PromptChannel[] = [webhookChannel, emailChannel, pushChannel];
