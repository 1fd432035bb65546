import { providersOf } from '../../src/integrations/registry.js';
import { handleNotification } from '../../src/services/inbox/handle-generic.js';
import type { Processor } from '../types.js';

/** A notification of a platform without its own use case: the generic path, for whichever platform the registry names. */
export const inboxHandleNotification: Processor<'inbox.handle-notification'> = async (deps, { provider, eventId }, { log }) => {
  const result = await handleNotification(deps, providersOf(deps).get(provider), eventId);
  log.info({ provider, eventId, outcome: result.outcome }, 'notification handled');
  return result;
};
