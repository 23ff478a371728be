export * from './oracle';
export * from './alt-config';
export * from './scenarios';
export * from './scenario-features';
export * from './spark-harness';
export * from './seed-config';
export * from './production-config';
export * from './memory-lease-store';
