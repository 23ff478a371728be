import { spawnSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';
import { RunnerEngineConfig } from '@app/runner-client';

export interface Environment {
  date: string;
  cores: number;
  cpu: string;
  memory_gib: number;
  os: string;
  node: string;
  java: string;
  python: string | null;
  spark: string | null;
  iceberg: string | null;
  iceberg_jar: string | null;
  runner: string | null;
  spark_master: string;
  driver_memory: string;
  shuffle_partitions: string;
}

/** `java -version` prints e.g. 'openjdk version "17.0.15" 2025-04-15' on stderr. */
export function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(`${r.stderr ?? ''}${r.stdout ?? ''}`)?.[1] ?? 'unknown';
}

/** The machine, the toolchain and the Spark settings a run used; `versions` is the runner's ping answer. */
export function environment(
  versions: Record<string, unknown>,
  engine: RunnerEngineConfig,
  now = new Date(),
): Environment {
  const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
  return {
    date: now.toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    java: javaVersion(),
    python: str(versions.python),
    spark: str(versions.spark),
    iceberg: str(versions.iceberg),
    iceberg_jar: str(versions.icebergJar),
    runner: str(versions.runner),
    spark_master: engine.master,
    driver_memory: engine.sparkConf['spark.driver.memory'] ?? 'default',
    shuffle_partitions: engine.sparkConf['spark.sql.shuffle.partitions'] ?? 'default',
  };
}
