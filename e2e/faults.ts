import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Producer } from 'kafkajs';
import { EventCodec, EventName, schemaRegistry } from '@app/contracts';
import type { Seen } from './event-log';
import { REPO, waitFor } from './service-processes';
import { MINUTES, ServicesRun } from './services-run';

// The faults the end-to-end suites (faults.int-spec, services.int-spec) and the soak (e2e/soak) inject:
// the runner's pause hook, a CLI writer beside the services, events delivered again and malformed messages.

/**
 * The runner's pause hook (SUMMARY_RUNNER_PAUSE_DIR, runner/summary_runner/jobs.py): `arm(step)` makes the
 * next job that completes `step` wait until `release(step)`, so a fault lands at a known point of a job.
 * `<kind> committed` (e.g. `case committed`) is the point after the ledger's commit; `release caches`, the
 * last step of a case job, the point after its data commits and before its ledger row.
 */
export class PauseHook {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  arm(step: string): void {
    writeFileSync(join(this.dir, `arm-${step}`), '');
  }

  /** Lets the paused job go on (a job whose runner died meanwhile needs it too: the next job must not wait). */
  release(step: string): void {
    rmSync(join(this.dir, `paused-${step}`), { force: true });
  }

  /** The id of the job paused after `step`, if one is. */
  pausedJob(step: string): string | undefined {
    const file = join(this.dir, `paused-${step}`);
    return existsSync(file) ? readFileSync(file, 'utf8') || undefined : undefined;
  }

  /** Waits for a job to pause after `step`; returns its job id. */
  paused(step: string, timeoutMs = 5 * MINUTES): Promise<string> {
    return waitFor(`a job to pause after step "${step}"`, () => this.pausedJob(step), timeoutMs);
  }

  /** Disarms and releases everything (a failed test, or an armed step no job reached). */
  clear(): void {
    for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f), { force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `summary-pipeline <args>` as an operator runs it beside the services of `r`: its own process and Spark;
 * `stderr()` so far while it runs, `pid` to signal it.
 */
const catalogEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(
      ([k]) => k === 'SUMMARY_CATALOG_PROPERTIES' || k === 'SUMMARY_JARS_DIR' || k.startsWith('AWS_'),
    ),
  );

export function cliWriter(
  r: ServicesRun,
  ...args: string[]
): Promise<CliResult> & { stderr: () => string; pid: number | undefined } {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin', 'summary-pipeline.js'),
      '--config',
      r.configFile,
      '--catalog-type',
      'rest',
      '--catalog-uri',
      r.serviceEnv.SUMMARY_CATALOG_URI ?? r.stack.ICEBERG_REST_URI,
      '--warehouse',
      join(r.dir, 'cli', 'warehouse'),
      ...args,
    ],
    {
      cwd: REPO,
      env: {
        ...process.env,
        // The services' catalog as they reach it (the cluster topology's S3 REST catalog: its S3FileIO settings,
        // jars and the object store's credentials); nothing for the local stack's.
        ...catalogEnv(r.serviceEnv),
        SUMMARY_LEASE_TTL_SECONDS: '30',
        SUMMARY_DRIVER_MEMORY: '1g',
        SUMMARY_SHUFFLE_PARTITIONS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(done, { stderr: () => stderr, pid: child.pid });
}

/** Sends events again as they were on their topics (same key, value, headers), in the order given. */
export async function redeliver(producer: Producer, events: Seen[]): Promise<void> {
  for (const e of events)
    await producer.send({ topic: e.topic, messages: [{ key: e.raw.key, value: e.raw.value, headers: e.raw.headers }] });
}

export type MalformedKind = 'not-avro' | 'huge-count' | 'truncated';
export const MALFORMED_KINDS: readonly MalformedKind[] = ['not-avro', 'huge-count', 'truncated'];

/**
 * A message of `event`'s topic that no consumer can decode: not Avro at all, 21 bytes framed with the
 * registry's real schema id whose map/array count says 2^55 (avsc alone looped on it), or a real event of
 * that topic cut short after its schema id.
 */
export async function malformedMessage(
  r: ServicesRun,
  event: EventName,
  kind: MalformedKind,
  sample?: Seen,
): Promise<Buffer> {
  if (kind === 'not-avro') return Buffer.from(`not avro at all (${event})`);
  const schemaIds = await new EventCodec(schemaRegistry({ host: r.stack.SCHEMA_REGISTRY_URL }), {
    topicPrefix: `${r.run}.`,
  }).register();
  const header = Buffer.from([0, 0, 0, 0, 0]);
  header.writeInt32BE(schemaIds.get(event)!, 1);
  if (kind === 'huge-count')
    return Buffer.concat([
      header,
      Buffer.from([0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0]),
    ]);
  if (!sample?.raw.value)
    throw new Error(`a truncated ${event} message needs a real one to cut short: none was seen yet`);
  return sample.raw.value.subarray(0, Math.max(6, Math.floor(sample.raw.value.length / 3)));
}
