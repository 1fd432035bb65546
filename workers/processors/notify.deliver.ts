import { deliverNotification } from '../../src/services/notify.js';
import type { Processor } from '../types.js';

export const notifyDeliver: Processor<'notify.deliver'> = async (deps, { notificationId }, { log }) => {
  const url = deps.env.NOTIFY_WEBHOOK_URL;
  if (!url) return 'not_configured';
  const outcome = await deliverNotification(
    { db: deps.db, fetch: deps.fetch, now: deps.now, url, secret: deps.env.NOTIFY_WEBHOOK_SECRET, tokenEncryptionKey: deps.env.tokenEncryptionKey },
    notificationId,
  );
  log.info({ notificationId, outcome }, 'notification');
  return outcome;
};
