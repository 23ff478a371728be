export * from './batch-state';
export * from './pipeline';
export * from './writer';
export * from './snapshots';
export * from './load';
export * from './maintenance';
