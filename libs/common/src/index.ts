/** Shared by the services (issue #3): Kafka module, contracts, metrics, health. Starts with the logger. */
export { jsonLog } from './json-log';
