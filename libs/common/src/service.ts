import {
  DynamicModule,
  Global,
  INestApplication,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka } from 'kafkajs';
import { EventCodec, TopicAccess, topicAccess, topicsOfComponent } from '@app/contracts';
import { EnvReader } from './env';
import { isRetriable } from './kafka/errors';
import { HEALTH_DEPENDENCIES, HealthController, HealthDependencies } from './health/health';
import { createKafka, createRegistry, KafkaSettings, kafkaSettingsFromEnv } from './kafka/kafka-settings';
import { EVENT_PUBLISHER, EventPublisher, ensureTopics } from './kafka/event-publisher';
import { KafkaEventServer, KafkaEventServerOptions } from './kafka/kafka-event.server';
import { configureLogging, jsonLog, JsonLogger, LogLevel } from './logger';
import { METRICS, Metrics, MetricsController, SERVICE_METRICS } from './metrics/metrics';

export const SERVICE_CONTEXT = Symbol('SERVICE_CONTEXT');

/** Everything a service shares between its Nest providers and its Kafka transport. */
export interface ServiceContext {
  name: string;
  httpPort: number;
  httpHost: string;
  /** Consumer group: KAFKA_GROUP_ID, default `<topic prefix><service>` (e.g. summary.classifier). */
  groupId: string;
  kafkaSettings: KafkaSettings;
  kafka: Kafka;
  registry: SchemaRegistry;
  codec: EventCodec;
  metrics: Metrics;
  publisher: EventPublisher;
  /** What this service does with the event topics (contracts/topic-access.json). */
  access: TopicAccess;
}

/** Reads the common variables (the caller reads its own from the same reader, then calls env.done()). */
export function serviceContext(name: string, defaultPort: number, env: EnvReader): ServiceContext {
  const httpPort = env.int('HTTP_PORT', defaultPort, 'HTTP port of /health and /metrics', 1);
  const httpHost = env.string('HTTP_HOST', '0.0.0.0', 'HTTP bind address');
  const level = env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info', 'JSON log threshold');
  configureLogging(level as LogLevel, { service: name });
  const kafkaSettings = kafkaSettingsFromEnv(env, name);
  const groupId = env.string('KAFKA_GROUP_ID', `${kafkaSettings.topicPrefix}${name}`, 'consumer group id');
  const kafka = createKafka(kafkaSettings);
  const registry = createRegistry(kafkaSettings);
  const codec = new EventCodec(registry, { topicPrefix: kafkaSettings.topicPrefix });
  const metrics = new Metrics(name);
  metrics.declare(SERVICE_METRICS[name] ?? []);
  const access = topicAccess(name);
  return {
    name,
    httpPort,
    httpHost,
    groupId,
    kafkaSettings,
    kafka,
    registry,
    codec,
    metrics,
    access,
    publisher: new EventPublisher(kafka, codec, metrics, access.produces),
  };
}

class PublisherLifecycle implements OnApplicationShutdown {
  constructor(private readonly publisher: EventPublisher) {}
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
  }
}

/** Global providers of every service: context, metrics, publisher, /health and /metrics. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(
    ctx: ServiceContext,
    health: Omit<HealthDependencies, 'kafka' | 'registryUrl' | 'registryAuth'> = {},
  ): DynamicModule {
    const deps: HealthDependencies = {
      kafka: ctx.kafka,
      registryUrl: ctx.kafkaSettings.registryUrl,
      registryAuth: ctx.kafkaSettings.registryAuth,
      ...health,
    };
    return {
      module: CoreModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: ctx },
        { provide: METRICS, useValue: ctx.metrics },
        { provide: EVENT_PUBLISHER, useValue: ctx.publisher },
        { provide: HEALTH_DEPENDENCIES, useValue: deps },
        { provide: PublisherLifecycle, useFactory: () => new PublisherLifecycle(ctx.publisher) },
      ],
      exports: [SERVICE_CONTEXT, METRICS, EVENT_PUBLISHER],
    };
  }
}

export type AppModuleMetadata = ModuleMetadata;

/**
 * Boots one service: its own topics and the schemas it produces (contracts/topic-access.json), the
 * producer, the Nest app with /health and /metrics, and (if `consumer`) the Kafka transport, subscribed to
 * the events it consumes. SIGTERM/SIGINT close it in order: stop consuming (the message in progress
 * finishes), then the providers' shutdown hooks (Spark runner), then the producer.
 */
export async function runService(
  ctx: ServiceContext,
  module: Type<unknown> | DynamicModule,
  consumer?: Omit<KafkaEventServerOptions, 'events'>,
): Promise<{ app: INestApplication; server?: KafkaEventServer }> {
  exitWithParent();
  await retryAtBoot('create topics', () =>
    ensureTopics(ctx.kafka, ctx.codec, topicsOfComponent(ctx.access, ctx.codec.contracts)),
  );
  await retryAtBoot('register schemas', () => ctx.codec.register(ctx.access.produces));
  await ctx.publisher.connect();
  const app = await NestFactory.create(module, { logger: new JsonLogger() });
  stopOnSignals(app);
  let server: KafkaEventServer | undefined;
  if (consumer) {
    server = new KafkaEventServer(ctx.kafka, ctx.codec, ctx.metrics, {
      sessionTimeoutMs: ctx.kafkaSettings.sessionTimeoutMs,
      ...consumer,
      events: [...ctx.access.consumes],
    });
    // The consumers carry @UseFilters(PassThroughRpcFilter) themselves: a global filter on a connected
    // microservice comes after its listeners are registered, and Nest ignores it with a warning.
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: false });
    await app.startAllMicroservices();
  }
  await app.listen(ctx.httpPort, ctx.httpHost);
  jsonLog('info', 'service started', {
    port: ctx.httpPort,
    topicPrefix: ctx.kafkaSettings.topicPrefix,
    groupId: consumer?.groupId,
  });
  return { app, server };
}

/**
 * SIGTERM/SIGINT: close the app (consumer, shutdown hooks, producer, as Nest's shutdown hooks would) and log
 * one line when done. A repeated signal while closing is ignored: the message in progress finishes (a
 * supervisor that cannot wait sends SIGKILL).
 */
function stopOnSignals(app: INestApplication): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    app.close().then(
      () => {
        jsonLog('info', 'service stopped', { signal, durationMs: Date.now() - began });
        process.exit(0);
      },
      (error: unknown) => {
        jsonLog('error', 'service did not stop cleanly', {
          signal,
          error: error instanceof Error ? error.message : String(error),
        });
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
}

/**
 * SERVICE_EXIT_WITH_PARENT=1 (the e2e fixtures set it): exit at once, as kill -9 would, when the process
 * that started the service is gone. A test run stopped by a signal cannot stop its services itself (its
 * handlers never run), and the services would hold their ports and the stack. Checked every second; the
 * service's Spark runner follows it the same way. What was in progress is redelivered and rolled back, as
 * after any crash.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env, everyMs = 1000): NodeJS.Timeout | undefined {
  if (env.SERVICE_EXIT_WITH_PARENT !== '1') return undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    jsonLog('warn', 'the process that started this service is gone: exiting (SERVICE_EXIT_WITH_PARENT=1)', { parent });
    process.exit(3);
  }, everyMs);
  timer.unref();
  return timer;
}

/** A dependency still starting (registry, broker) is waited for; a refusal (incompatible schema) is not. */
async function retryAtBoot<T>(
  what: string,
  work: () => Promise<T>,
  deadlineMs = Number(process.env.BOOT_RETRY_DEADLINE_MS ?? 300000),
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
    try {
      return await work();
    } catch (error) {
      if (!isRetriable(error) || Date.now() + delay > until) throw error;
      jsonLog('warn', `${what}: dependency not ready, retrying`, { delayMs: delay, error: (error as Error).message });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** main(): a configuration error exits 2 with the message; anything else at boot exits 1. */
export function bootstrap(start: () => Promise<unknown>): void {
  start().catch((error: unknown) => {
    jsonLog('error', 'service failed to start', {
      error: error instanceof Error ? error.message : String(error),
      name: (error as Error)?.name,
    });
    process.exit(/ConfigError$/.test((error as Error)?.name ?? '') ? 2 : 1);
  });
}
