import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { DEFAULT_TOPIC_PREFIX, schemaRegistry } from '@app/contracts';
import { EnvReader } from '../env';
import { jsonLog } from '../logger';

/** How a service reaches Kafka and the schema registry (env, defaults = the local stack). */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  registryUrl: string;
  registryAuth?: { username: string; password: string };
  /** Topics are `<topicPrefix><event>`, e.g. `summary.watermark-advanced`. */
  topicPrefix: string;
  /**
   * The consumer group session timeout: how long the broker waits for a consumer's heartbeat before it takes
   * the member for dead. A service restarted after a crash rejoins its group only once its dead member's
   * session ended, so this is also how long a restarted consumer waits (KAFKA_SESSION_TIMEOUT_MS).
   */
  sessionTimeoutMs: number;
}

/** KAFKA_SESSION_TIMEOUT_MS unset. */
export const DEFAULT_SESSION_TIMEOUT_MS = 45000;

/** The broker's default group.min.session.timeout.ms: a shorter session is refused when the consumer joins. */
export const MIN_SESSION_TIMEOUT_MS = 6000;

/** Heartbeats every 3 s, or a third of a shorter session (Kafka's rule of thumb: at most a third). */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.min(3000, Math.floor(sessionTimeoutMs / 3));
}

export function kafkaSettingsFromEnv(env: EnvReader, service: string): KafkaSettings {
  const brokers = env.list('KAFKA_BROKERS', '127.0.0.1:9092', 'Kafka bootstrap brokers, comma-separated');
  const clientId = env.string('KAFKA_CLIENT_ID', service, 'kafkajs clientId (also the consumer group id)');
  const ssl = env.bool('KAFKA_SSL', false, 'TLS to the brokers');
  const mechanism = env.oneOf(
    'KAFKA_SASL_MECHANISM',
    ['plain', 'scram-sha-256', 'scram-sha-512'] as const,
    'scram-sha-512',
    'SASL mechanism when KAFKA_SASL_USERNAME is set',
  );
  const username = env.optional('KAFKA_SASL_USERNAME', 'SASL user (from a Secret); unset = no SASL');
  const password = env.optional('KAFKA_SASL_PASSWORD', 'SASL password (from a Secret)');
  const registryUrl = env.string(
    'SCHEMA_REGISTRY_URL',
    'http://127.0.0.1:8081/apis/ccompat/v7',
    'Confluent-compatible schema registry base URL',
  );
  const registryUser = env.optional('SCHEMA_REGISTRY_USERNAME', 'registry basic-auth user (from a Secret)');
  const registryPassword = env.optional('SCHEMA_REGISTRY_PASSWORD', 'registry basic-auth password (from a Secret)');
  const sessionTimeoutMs = env.int(
    'KAFKA_SESSION_TIMEOUT_MS',
    DEFAULT_SESSION_TIMEOUT_MS,
    'consumer group session timeout, ms: a crashed consumer is taken for dead after it, ' +
      'and its restarted service waits that long to rejoin (the broker allows 6000 to 300000 by default)',
    MIN_SESSION_TIMEOUT_MS,
  );
  const prefix = env.string(
    'TOPIC_PREFIX',
    DEFAULT_TOPIC_PREFIX.replace(/\.$/, ''),
    'topics are <prefix>.<event>; dead letters <topic>.dlq',
  );
  return {
    brokers,
    clientId,
    ssl,
    sasl: username ? { mechanism, username, password: password ?? '' } : undefined,
    registryUrl,
    registryAuth: registryUser ? { username: registryUser, password: registryPassword ?? '' } : undefined,
    topicPrefix: prefix.endsWith('.') ? prefix : `${prefix}.`,
    sessionTimeoutMs,
  };
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Protocol errors kafkajs logs at ERROR (`Response FindCoordinator(...)`, field `error` = the message) on its
 * way to retrying them itself: a consumer group's coordinator is still loading or not elected (every start
 * on a fresh broker), a partition leader is being elected, a topic just created is not yet hosted. Normal at
 * start; when retries run out, the operation fails and its caller logs that as an error. Messages as in
 * kafkajs 2.2.4 src/protocol/error.js (the Kafka protocol's error codes 3, 5, 14, 15, 16, 27).
 */
const TRANSIENT_KAFKA_ERRORS = [
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The group is rebalancing, so a rejoin is needed',
];

/**
 * A CreateTopics response with errors (kafkajs logs it at ERROR before its admin call decides): when several
 * services start at once, each finds a topic missing and creates it, and all but one are told it exists. The
 * admin call counts "every topic already exists" as done (kafkajs 2.2.4 src/admin/index.js) and throws
 * otherwise, and ensureTopics' caller reports that failure; the response itself is info.
 */
const CREATE_TOPICS_RESPONSE = /^Response CreateTopics\(/;

/**
 * The level a kafkajs log entry is logged at: its own, except that a retried transient error is debug and a
 * CreateTopics response with errors is info (its admin call decides). `message` is the entry's message,
 * e.g. (ERROR, {error: 'Topic creation errors'}, 'Response CreateTopics(key: 19, version: 3)') → 'info'.
 */
export function kafkaLogLevel(
  level: number,
  entry: Record<string, unknown>,
  message = '',
): 'error' | 'warn' | 'info' | 'debug' {
  if (typeof entry.error === 'string' && TRANSIENT_KAFKA_ERRORS.includes(entry.error)) return 'debug';
  if (CREATE_TOPICS_RESPONSE.test(message) && level <= logLevel.ERROR) return 'info';
  return LEVELS[level] ?? 'info';
}

export function createKafka(settings: KafkaSettings): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        const { message, ...rest } = log;
        jsonLog(kafkaLogLevel(level, rest, String(message)), String(message), {
          component: `kafkajs.${namespace}`,
          ...rest,
        });
      },
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10000 },
  };
  if (settings.sasl) config.sasl = settings.sasl as KafkaConfig['sasl'];
  return new Kafka(config);
}

export function createRegistry(settings: KafkaSettings): SchemaRegistry {
  return schemaRegistry({ host: settings.registryUrl, auth: settings.registryAuth, clientId: settings.clientId });
}
