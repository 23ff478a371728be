/**
 * The services' bridge to the engine (a layer above libs/common, which knows no engine): the engine
 * settings from the environment, the long-lived Spark runner of a service, and the watcher's catalog
 * access with the engine's catalog authentication.
 */
export * from './engine-handle';
export * from './catalog-auth-headers';
