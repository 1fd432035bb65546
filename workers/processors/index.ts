import type { ProcessorMap } from '../types.js';
import { connectionRevokeUpstream } from './connection.revoke-upstream.js';
import { exportBuild } from './export.build.js';
import { garminBackfill } from './garmin.backfill.js';
import { garminFetchFit } from './garmin.fetch-fit.js';
import { garminHandleNotification } from './garmin.handle-notification.js';
import { inboxHandleNotification } from './inbox.handle-notification.js';
import { inboxSweep } from './inbox.sweep.js';
import { notifyDeliver } from './notify.deliver.js';
import { retentionPurge } from './retention.purge.js';
import { promptSend } from './prompt.send.js';
import { promptSweep } from './prompt.sweep.js';
import { runDerive } from './run.derive.js';
import { runImportFit } from './run.import-fit.js';
import { stravaBackfill } from './strava.backfill.js';
import { stravaFetchActivity } from './strava.fetch-activity.js';
import { stravaHandleEvent } from './strava.handle-event.js';
import { weekClose } from './week.close.js';
import { weekRecompute } from './week.recompute.js';

/** job name → processor; the type makes a missing one a compile error, registry.ts checks at start. */
export const processors: ProcessorMap = {
  'strava.handle-event': stravaHandleEvent,
  'strava.fetch-activity': stravaFetchActivity,
  'strava.backfill': stravaBackfill,
  'garmin.handle-notification': garminHandleNotification,
  'garmin.fetch-fit': garminFetchFit,
  'garmin.backfill': garminBackfill,
  'run.import-fit': runImportFit,
  'run.derive': runDerive,
  'week.recompute': weekRecompute,
  'week.close': weekClose,
  'inbox.handle-notification': inboxHandleNotification,
  'inbox.sweep': inboxSweep,
  'notify.deliver': notifyDeliver,
  'retention.purge': retentionPurge,
  'export.build': exportBuild,
  'prompt.send': promptSend,
  'prompt.sweep': promptSweep,
  'connection.revoke-upstream': connectionRevokeUpstream,
};
