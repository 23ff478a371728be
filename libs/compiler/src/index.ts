export * from './job.types';
export * from './sql';
export * from './prepare';
export * from './history';
export { compileInit, compileReportUpgrade, InitOptions, sourceName, TABLE_LAYOUT } from './jobs/init.job';
export { RERESOLVE, reportWinnersTable } from './report-dates';
export {
  compileClassify,
  compileClassifyDryRun,
  classifiedRows,
  CLASSIFY_STEP,
  COUNTS,
  PLAN,
} from './jobs/classify.job';
export { compileBackfill } from './jobs/backfill.job';
export { compileNewAccounts } from './jobs/new-accounts.job';
export { compileForward } from './jobs/forward.job';
export { APPLIED } from './jobs/case-common';
export { compileAuditAppend, AuditEvent } from './jobs/audit.job';
export { isDeleted, DELETED } from './soft-delete';
export { compileUnboundedRebuild, unboundedSteps, withUnboundedHistory, UNBOUNDED_CELLS } from './jobs/unbounded';
