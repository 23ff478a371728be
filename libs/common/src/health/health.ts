import { Controller, Get, Inject, OnModuleDestroy } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Admin, Kafka } from 'kafkajs';
import { SnapshotSource } from '../catalog/table-snapshots';

export const HEALTH_DEPENDENCIES = Symbol('HEALTH_DEPENDENCIES');

/** What /health/ready checks; `extra` lets a service add its own (e.g. the Spark runner is up). */
export interface HealthDependencies {
  kafka: Kafka;
  registryUrl: string;
  /** The registry's basic auth (SCHEMA_REGISTRY_USERNAME/PASSWORD): a registry that requires it answers 401 without. */
  registryAuth?: { username: string; password: string };
  catalog?: SnapshotSource;
  extra?: Array<{ key: string; check: () => Promise<void> }>;
  timeoutMs?: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

/**
 * Kafka's probe: one admin client, connected on the first check and kept (a connection per request piled up
 * broker connections under a prober that calls every few seconds); dropped after a failed check, so the next
 * one connects anew.
 */
export function kafkaProbe(kafka: Kafka): (() => Promise<void>) & { close(): Promise<void> } {
  let admin: Admin | undefined;
  const close = async () => {
    const open = admin;
    admin = undefined;
    await open?.disconnect().catch(() => undefined);
  };
  const check = async () => {
    try {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      await admin.describeCluster();
    } catch (error) {
      await close();
      throw error;
    }
  };
  return Object.assign(check, { close });
}

/** The registry's probe: GET /subjects with its credentials when it has some. */
export function registryProbe(url: string, auth?: { username: string; password: string }): () => Promise<void> {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : {};
  return async () => {
    const res = await fetch(`${url.replace(/\/$/, '')}/subjects`, { headers });
    if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
  };
}

/**
 * Terminus indicators per dependency (STYLE.md §10): Kafka (cluster metadata), the schema registry
 * (GET /subjects), the Iceberg catalog (GET /v1/config). /health/live only says the process serves HTTP:
 * a dependency outage must not get the pod restarted, only taken out of readiness.
 */
@Controller('health')
export class HealthController implements OnModuleDestroy {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_DEPENDENCIES) private readonly deps: HealthDependencies,
  ) {
    this.kafka = kafkaProbe(deps.kafka);
    this.registry = registryProbe(deps.registryUrl, deps.registryAuth);
  }

  private readonly kafka: ReturnType<typeof kafkaProbe>;
  private readonly registry: () => Promise<void>;

  async onModuleDestroy(): Promise<void> {
    await this.kafka.close();
  }

  private async probe(key: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(check(), this.deps.timeoutMs ?? 5000, key);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  private checks() {
    const { catalog, extra = [] } = this.deps;
    return [
      () => this.probe('kafka', this.kafka),
      () => this.probe('schema-registry', this.registry),
      ...(catalog ? [() => this.probe('catalog', () => catalog.ping())] : []),
      ...extra.map((e) => () => this.probe(e.key, e.check)),
    ];
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check(this.checks());
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks());
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeS: Math.round(process.uptime()) })]);
  }
}

export type { SchemaRegistry };
