import type { AppDeps } from '../../deps.js';
import type { RunnerRow } from '../../db/queries/runners.js';
import { findNotificationIdBySubject } from '../../db/queries/notifications.js';
import { linkDeliveryNotification } from '../../db/queries/pain-prompts.js';
import { encryptSecret } from '../../lib/crypto.js';
import { sendMail } from '../../lib/mailer.js';
import { enqueueNotification, recordNotification } from '../notify.js';
import type { PromptMessage } from './message.js';
import { promptEmail } from './email.js';
import { pushChannel } from '../push.js';

export type ChannelDeps = Pick<AppDeps, 'db' | 'env' | 'enqueue' | 'now' | 'fetch' | 'log' | 'pushNetwork'>;

/**
 * A way to reach the runner with a prompt. `send` throws when the channel could not take the
 * message (the prompt job then retries that channel only); each prompt event is sent once per channel.
 * A channel that only hands the message on (the webhook's outbox) answers `handedOff` with the outbox
 * row: the delivery then stays pending until that row's receiver answers 2xx.
 */
export interface PromptChannel {
  name: string;
  enabled(deps: ChannelDeps, runner: RunnerRow): boolean;
  send(deps: ChannelDeps, msg: PromptMessage, ctx: { deliveryId: string }): Promise<{ ref?: string; handedOff?: string } | void>;
}

/**
 * The outbound webhook: the prompt goes into the signed outbox (its own retries), the link encrypted
 * at rest. The outbox row is recorded once per delivery and linked to it before its job is queued, so
 * the delivery is marked delivered by the outbox when, and only when, the receiver answers 2xx.
 */
export const webhookChannel: PromptChannel = {
  name: 'webhook',
  enabled: (deps) => Boolean(deps.env.NOTIFY_WEBHOOK_URL),
  async send(deps, msg, ctx) {
    const { answerUrl, runner, ...rest } = msg;
    const now = deps.now();
    const id = await deps.db.transaction(async (tx) => {
      const recorded =
        (await recordNotification(tx, {
          runnerId: runner.id,
          kind: msg.event,
          subjectId: ctx.deliveryId,
          payload: { ...rest, runnerName: runner.name, answerUrlEnc: encryptSecret(answerUrl, deps.env.tokenEncryptionKey) },
        })) ?? (await findNotificationIdBySubject(tx, msg.event, ctx.deliveryId));
      if (recorded) await linkDeliveryNotification(tx, ctx.deliveryId, recorded, now);
      return recorded;
    });
    if (!id) throw new Error('webhook outbox row not recorded');
    try {
      await enqueueNotification({ enqueue: deps.enqueue, notifyConfigured: true }, id);
    } catch (err) {
      // the row is recorded and pending: the recovery sweep queues its delivery again
      deps.log.warn({ err, notificationId: id }, 'prompt webhook not queued; the recovery sweep will queue it');
    }
    return { ref: id, handedOff: id };
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
