export * from './config.types';
export * from './config.loader';
export * from './column-model';
export * from './errors';
export * from './identifiers';
export * from './table-name';
export * from './source-schema';
