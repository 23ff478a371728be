/** Shared by the services: env config, JSON logs, the Kafka transport and publisher, metrics, health (no engine: libs/service-kit). */
export * from './env';
export * from './logger';
export * from './metrics/metrics';
export * from './kafka/errors';
export * from './kafka/kafka-settings';
export * from './kafka/event-publisher';
export * from './kafka/kafka-event.server';
export * from './kafka/processed-events';
export * from './health/health';
export * from './catalog/table-snapshots';
export * from './service';
