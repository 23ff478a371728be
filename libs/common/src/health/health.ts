import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka } from 'kafkajs';
import { SnapshotSource } from '../catalog/table-snapshots';

export const HEALTH_DEPENDENCIES = Symbol('HEALTH_DEPENDENCIES');

/** What /health/ready checks; `extra` lets a service add its own (e.g. the Spark runner is up). */
export interface HealthDependencies {
  kafka: Kafka;
  registryUrl: string;
  catalog?: SnapshotSource;
  extra?: Array<{ key: string; check: () => Promise<void> }>;
  timeoutMs?: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

/**
 * Terminus indicators per dependency (STYLE.md §10): Kafka (cluster metadata), the schema registry
 * (GET /subjects), the Iceberg catalog (GET /v1/config). /health/live only says the process serves HTTP:
 * a dependency outage must not get the pod restarted, only taken out of readiness.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_DEPENDENCIES) private readonly deps: HealthDependencies,
  ) {}

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
    const { kafka, registryUrl, catalog, extra = [] } = this.deps;
    return [
      () => this.probe('kafka', async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.describeCluster();
        } finally {
          await admin.disconnect();
        }
      }),
      () => this.probe('schema-registry', async () => {
        const res = await fetch(`${registryUrl.replace(/\/$/, '')}/subjects`);
        if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
      }),
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
