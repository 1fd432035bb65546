import { purgeExpired } from '../../src/services/retention.js';
import type { Processor } from '../types.js';

export const retentionPurge: Processor<'retention.purge'> = async (deps, _payload, { log }) => {
  const purged = await purgeExpired(deps);
  if (purged.activities + purged.files + purged.orphanFiles + purged.webhookEvents + purged.exportFiles + purged.expired > 0)
    log.info(purged, 'retention purge');
  return purged;
};
