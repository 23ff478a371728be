import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Seen } from '../event-log';
import { CliResult, PauseHook, cliWriter, malformedMessage, redeliver } from '../faults';
import { Proc, processes, tree } from '../process-tree';
import { REPO, ServiceName, stackDown, stackUp, waitFor } from '../service-processes';
import { MINUTES, ServicesRun } from '../services-run';
import { diskFullErrorsSince, fillDisk, freeDisk, logMarks } from './disk';
import { FaultTarget, Topology } from './plan';
import { Supervisor } from './supervisor';

// How each fault of plan.ts strikes. A strike returns once the fault is over (an outage ended, a CLI run
// exited); a killed service is started again by the supervisor, not here.

export interface StrikeContext {
  r: ServicesRun;
  topology: Topology;
  pause: PauseHook;
  supervisor: Supervisor;
  /** Every malformed payload sent: a dead-lettered message must be one of these. */
  malformed: Buffer[];
  cliRuns: CliResult[];
  /** Jobs killed after their data commits and before their ledger row (`b-000002-CASE_III`). */
  killedBeforeLedger: string[];
  /** The small disk the run's summary namespace lives on (disk-full), when main.ts could mount it. */
  disk?: string;
}

export interface Strike {
  /** Epoch ms of the moment the fault hit (the kill, the component stopped, the messages sent). */
  at: number;
  detail: string;
  /**
   * `no-target`: nothing to strike at that moment (no case job reached the point); `failed`: the strike
   * itself threw (the injector's fault, not the pipeline's: the run fails).
   */
  missed?: 'no-target' | 'failed';
}

const RUNNER_COMMAND = 'summary_runner serve';
const KILL_BEFORE_LEDGER_STEP = 'release caches'; // a case job's last step, after its data commits

export async function strike(ctx: StrikeContext, target: FaultTarget): Promise<Strike> {
  const { r } = ctx;
  switch (target.kind) {
    case 'kill-service':
      return killService(ctx, target.service, 'kill -9 by the injector');
    case 'kill-runner': {
      const runner = await waitFor(
        `a Spark runner of ${target.service}`,
        () => runnerOf(ctx, target.service),
        2 * MINUTES,
      );
      const at = Date.now();
      process.kill(runner.pid, 'SIGKILL');
      return { at, detail: `SIGKILL pid ${runner.pid} (${target.service}'s runner)` };
    }
    case 'kill-before-ledger':
      return killBeforeLedger(ctx, target.victim);
    case 'kill-driver': {
      let driver: DriverProcess;
      try {
        driver = await waitFor('a case job driver on the cluster', () => driverOf(ctx), 3 * MINUTES, 250);
      } catch {
        return {
          at: Date.now(),
          detail: 'no case job driver ran within 3 min (a batch without a case to run): nothing killed',
          missed: 'no-target',
        };
      }
      const at = Date.now();
      for (const p of driver.tree) killQuietly(p.pid);
      return { at, detail: `SIGKILL the driver pid ${driver.pid} and ${driver.tree.length - 1} process(es) below it` };
    }
    case 'kafka-restart':
    case 'registry-down':
    case 'catalog-restart':
    case 'object-store-restart': {
      const component = {
        'kafka-restart': 'kafka',
        'registry-down': 'registry',
        // The cluster topology's tables are behind the S3 REST catalog, on the object store.
        'catalog-restart': ctx.topology === 'cluster' ? 'catalog-s3' : 'catalog',
        'object-store-restart': 's3',
      }[target.kind];
      const at = Date.now();
      stackDown(component);
      const stopped = Date.now();
      // The outage's length is the fault itself, drawn by the plan: a wait for time, not for an outcome.
      await new Promise((resolve) => setTimeout(resolve, target.outageMs));
      stackUp(component);
      return {
        at,
        detail:
          `${component} stopped in ${((stopped - at) / 1000).toFixed(1)} s, ` +
          `down ${(target.outageMs / 1000).toFixed(1)} s, healthy again after ${((Date.now() - at) / 1000).toFixed(1)} s`,
      };
    }
    case 'cli-writer': {
      mkdirSync(join(r.dir, 'cli'), { recursive: true });
      const at = Date.now();
      const result = await cliWriter(r, 'run', '--wait', '600');
      ctx.cliRuns.push(result);
      const last =
        result.stderr
          .trim()
          .split('\n')
          .filter((l) => l.trim())
          .pop() ?? '';
      return {
        at,
        detail: `summary-pipeline run --wait 600 exited ${result.code} after ${((Date.now() - at) / 1000).toFixed(1)} s: ${last.slice(0, 160)}`,
      };
    }
    case 'duplicate-events':
    case 'reorder-events': {
      const [batchId, events] = eventsOf(r, target.back, target.kind === 'reorder-events' ? 2 : 1);
      const sent = target.kind === 'reorder-events' ? [...events].reverse() : events;
      const producer = r.kafka.producer();
      await producer.connect();
      const at = Date.now();
      try {
        await redeliver(producer, sent);
      } finally {
        await producer.disconnect();
      }
      return {
        at,
        detail: `${sent.length} event(s) of ${batchId} sent again${target.kind === 'reorder-events' ? ', last first' : ''}`,
      };
    }
    case 'malformed-event': {
      const sample = [...r.log.events].reverse().find((e) => e.event === target.topic);
      const value = await malformedMessage(r, target.topic, target.malformed, sample);
      ctx.malformed.push(value);
      const producer = r.kafka.producer();
      await producer.connect();
      const at = Date.now();
      try {
        await producer.send({
          topic: `${r.run}.${target.topic}`,
          messages: [{ key: `soak-${target.malformed}`, value }],
        });
      } finally {
        await producer.disconnect();
      }
      return { at, detail: `${value.length} bytes on ${target.topic}` };
    }
    case 'disk-full': {
      if (!ctx.disk)
        throw new Error('disk-full was planned but the run has no small disk of its own (main.ts mounts it as root)');
      const logs = join(r.dir, 'logs');
      const marks = logMarks(logs);
      const { fillers, bytes } = fillDisk(ctx.disk);
      const at = Date.now();
      // The outage's length is drawn by the plan, as for the component outages; past it the disk stays full until
      // a runner has reported the full disk (a job attempt, classify or the lease's renewal; up to DISK_FULL_HOLD_MS
      // more), so that the run shows the error a user sees.
      const failedSince = () => r.log.of('job-state-changed').filter((e) => e.state === 'FAILED' && e.occurredAt >= at);
      await new Promise((resolve) => setTimeout(resolve, target.outageMs));
      while (diskFullErrorsSince(logs, marks).length === 0 && Date.now() - at < target.outageMs + DISK_FULL_HOLD_MS)
        await new Promise((resolve) => setTimeout(resolve, 250));
      const heldMs = Date.now() - at;
      freeDisk(fillers);
      // What it did: the errors the runners reported, the job attempts that failed meanwhile (the dispatcher retries them).
      const errors = diskFullErrorsSince(logs, marks);
      const failed = failedSince();
      return {
        at,
        detail:
          `${relative(REPO, ctx.disk)} filled (${(bytes / 2 ** 20).toFixed(0)} MiB) for ${(heldMs / 1000).toFixed(1)} s, then freed; ` +
          `${errors.length} disk-full error(s) reported, ${failed.length} case job attempt(s) ` +
          `failed meanwhile${errors.length ? ` (e.g. ${withoutMachinePaths(errors[0], r.dir).slice(0, 300)})` : ''}`,
      };
    }
  }
}

/** Past a disk-full fault's drawn outage, how long the disk stays full waiting for a job attempt to fail on it. */
const DISK_FULL_HOLD_MS = 60_000;

/** A message with this checkout's absolute paths made relative to it and the run's directory named `<run>`: the report is committed (no machine paths). */
function withoutMachinePaths(message: string, runDir: string): string {
  return message.split(`${REPO}/`).join('').split(runDir).join('<run>');
}

async function killService(ctx: StrikeContext, service: ServiceName, cause: string): Promise<Strike> {
  const pid = ctx.r.services.pid(service);
  ctx.supervisor.expectExit(service, cause);
  const at = Date.now();
  await ctx.r.services.kill(service);
  return {
    at,
    detail: pid === undefined ? `${service} was not running (restarting)` : `SIGKILL ${service} pid ${pid}`,
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The Python runner below the service's process (its JVM exits with it: PythonGatewayServer reads its stdin). */
function runnerOf(ctx: StrikeContext, service: ServiceName): { pid: number } | undefined {
  const pid = ctx.r.services.pid(service);
  if (pid === undefined) return undefined;
  return tree(pid).find((p) => p.pid !== pid && p.cmd.includes(RUNNER_COMMAND));
}

/**
 * Arms the pause hook after a case job's last step: the job's writes are committed to the tables and its
 * ledger row is not. Kills the dispatcher or its runner there, then lets the (dead) job's pause go.
 */
async function killBeforeLedger(ctx: StrikeContext, victim: 'spark-dispatcher' | 'runner'): Promise<Strike> {
  ctx.pause.arm(KILL_BEFORE_LEDGER_STEP);
  let job: string;
  try {
    job = await ctx.pause.paused(KILL_BEFORE_LEDGER_STEP, 3 * MINUTES);
  } catch {
    ctx.pause.clear();
    return {
      at: Date.now(),
      detail: 'no case job reached the point within 3 min (a batch without a case to run): nothing killed',
      missed: 'no-target',
    };
  }
  try {
    if (ctx.topology === 'cluster') return await killPausedDriver(ctx, job, victim);
    ctx.killedBeforeLedger.push(job);
    if (victim === 'spark-dispatcher') {
      // A pod that dies takes its runner with it. Here the runner is a separate process that notices its parent's
      // end only by reading stdin, which it does not while paused: released, it would write the ledger row of
      // the killed dispatcher's job itself (seen in a soak: 1 attempt, 1 commit). So it dies with the dispatcher.
      const runner = runnerOf(ctx, 'spark-dispatcher');
      const s = await killService(
        ctx,
        'spark-dispatcher',
        `kill -9 by the injector, job ${job} after its data commits, before its ledger row`,
      );
      if (runner) killQuietly(runner.pid);
      return {
        ...s,
        detail: `${s.detail} (and its runner${runner ? ` pid ${runner.pid}` : ''}) while ${job} was after its data commits, before its ledger row`,
      };
    }
    const runner = runnerOf(ctx, 'spark-dispatcher');
    if (!runner) throw new Error(`the job ${job} is paused but the dispatcher has no runner process`);
    const at = Date.now();
    process.kill(runner.pid, 'SIGKILL');
    return {
      at,
      detail: `SIGKILL the dispatcher's runner pid ${runner.pid} while ${job} was after its data commits, before its ledger row`,
    };
  } finally {
    ctx.pause.release(KILL_BEFORE_LEDGER_STEP);
  }
}

/**
 * The cluster topology's kill before the ledger row. The job runs in a driver on a worker, not in the dispatcher:
 * `runner` kills that driver (the attempt fails, the next one rolls back and commits); `spark-dispatcher` kills the
 * dispatcher, and the driver goes on by itself (writes its ledger row; the restarted dispatcher adopts its result).
 */
async function killPausedDriver(
  ctx: StrikeContext,
  job: string,
  victim: 'spark-dispatcher' | 'runner',
): Promise<Strike> {
  if (victim === 'spark-dispatcher') {
    const runner = runnerOf(ctx, 'spark-dispatcher');
    const s = await killService(
      ctx,
      'spark-dispatcher',
      `kill -9 by the injector, job ${job}'s driver before its ledger row`,
    );
    if (runner) killQuietly(runner.pid);
    return {
      ...s,
      detail: `${s.detail} while ${job}'s driver was after its data commits, before its ledger row (it goes on)`,
    };
  }
  const driver = driverOf(ctx);
  if (!driver) throw new Error(`the job ${job} is paused but no driver process of the run is on the workers`);
  ctx.killedBeforeLedger.push(job);
  const at = Date.now();
  for (const p of driver.tree) killQuietly(p.pid);
  return {
    at,
    detail: `SIGKILL ${job}'s driver pid ${driver.pid} (and ${driver.tree.length - 1} below it) after its data commits, before its ledger row`,
  };
}

interface DriverProcess {
  pid: number;
  /** The driver's JVM and every process below it (PythonRunner's python: the job's runner). */
  tree: Proc[];
}

/** A driver of this run on a worker of the cluster (the worker's DriverWrapper JVM), if one runs. */
function driverOf(ctx: StrikeContext): DriverProcess | undefined {
  const drivers = processes().filter((p) => p.cmd.includes(DRIVER_WRAPPER));
  const mine = drivers.find((p) => p.cmd.includes(ctx.r.run)) ?? drivers[0];
  return mine && { pid: mine.pid, tree: tree(mine.pid) };
}

const DRIVER_WRAPPER = 'org.apache.spark.deploy.worker.DriverWrapper';

/**
 * The distinct events (first delivery of each id) of the batch `back` batches before the newest announced
 * one, or of an earlier batch when that one has fewer than `atLeast` events so far (a batch just announced
 * has one: nothing to reorder).
 */
function eventsOf(r: ServicesRun, back: number, atLeast: number): [string, Seen[]] {
  const ids = [...new Set(r.log.of('watermark-advanced').map((w) => w.batchId))].sort();
  if (ids.length === 0) throw new Error('no batch announced yet: nothing to send again');
  const distinct = (batchId: string) => {
    const seen = new Set<string>();
    return r.log.events.filter(
      (e) => e.value.batchId === batchId && !seen.has(e.value.eventId) && seen.add(e.value.eventId),
    );
  };
  for (let i = Math.max(0, ids.length - 1 - back); ; i--) {
    const events = distinct(ids[i]);
    if (events.length >= atLeast || i === 0) return [ids[i], events];
  }
}
