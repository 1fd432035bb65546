import { runUpstreamRevoke } from '../../src/services/connections/upstream-revoke.js';
import type { Processor } from '../types.js';

export const connectionRevokeUpstream: Processor<'connection.revoke-upstream'> = async (deps, { revokeId }) => runUpstreamRevoke(deps, revokeId);
