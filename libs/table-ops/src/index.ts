/** The operator's commands on a pipeline's tables: validate, dry run, export, the ledger's integrity and its repair, optimize, stats. */
export * from './integrity';
export * from './table-ops';
export * from './stats';
export * from './optimize';
