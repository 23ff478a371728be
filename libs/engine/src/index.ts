export * from './toolchain';
export * from './engine-config';
export * from './runner-client';
export * from './ingest';
export * from './batch-state';
export * from './pipeline';
export * from './table-ops';
