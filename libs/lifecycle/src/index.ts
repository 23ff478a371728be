export * from './batch-id';
export * from './watermark';
export * from './case-jobs';
export * from './batch-events';
export * from './next-batch';
export * from './batch-machine';
