import { requestGarminBackfill } from '../../src/services/garmin/backfill.js';
import type { Processor } from '../types.js';

export const garminBackfill: Processor<'garmin.backfill'> = async (deps, { connectionId, days }) => requestGarminBackfill(deps, connectionId, days);
