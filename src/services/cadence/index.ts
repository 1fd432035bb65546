export { isGaitGoalActive, putCadenceGoal, deleteCadenceGoal, freezeBaselineIfDue, type CadenceGoalInput } from './goal.js';
export { getCadenceReport, type CadenceReportRange } from './report.js';
