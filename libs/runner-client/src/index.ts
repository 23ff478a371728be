/** The Python runner from TypeScript: where the toolchain is, the engine settings (Spark, catalogs, their auth) and the client. */
export * from './toolchain';
export * from './engine-config';
export * from './catalog-auth';
export * from './runner-client';
