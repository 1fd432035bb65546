/**
 * Whether a gait (cadence) goal is active for the runner on a local date: the post-run prompt then
 * also asks about calf and Achilles pain. The one place the pain loop asks the cadence goal.
 */
export { isGaitGoalActive } from '../cadence/index.js';
