import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfig } from '@app/config';
import { IN_PROCESS } from '@app/runner-client';
import { describeScenario } from '@app/testing';
import { PauseHook } from '../faults';
import { REPO, SERVICES, stackUp, waitFor } from '../service-processes';
import { MINUTES, ServicesRun, withNamespace } from '../services-run';
import { EndState, endChecks } from './checks';
import { SOAK_USAGE, SoakOptions, SoakUsageError, parseSoakOptions } from './options';
import { mountSmallDisk, unmountSmallDisk } from './disk';
import { CLUSTER_SERVICES_COMPONENTS, clusterCatalog } from '../cluster/services-catalog';
import { FAULT_KINDS, NOT_IMPLEMENTED, PlannedFault, describeTarget, kindsOf, planFaults } from './plan';
import { BatchRecord, FaultRecord, SoakReport, countByKind, recoveries, stats, writeReport } from './report';
import { Strike, StrikeContext, strike } from './strike';
import { Supervisor } from './supervisor';

// `npm run soak` (scripts/soak.sh): issue 25's soak. The four services run as processes on the local stack
// over daily batches of generated mixed data while the seeded injector strikes (plan.ts, strike.ts); a
// supervisor restarts whatever exits, as Kubernetes would; nobody else intervenes. At the end the tables
// must equal the oracle of everything ingested, with nothing lost, twice or stuck (checks.ts).

const say = (line: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const BATCH_TIMEOUT = 20 * MINUTES;
/**
 * The run's own disk for its tables, small enough to fill at once and ample for its days: the tables (with their
 * snapshots, which the soak does not expire) grew ~8.5 MiB a day in the 50-day soak of 2026-12-07, whose 256 MiB
 * would have filled by itself around day 37; twice that per day, and 256 MiB more.
 */
const diskMb = (batches: number) => 256 + 16 * batches;

async function main(): Promise<number> {
  let options: SoakOptions | 'help';
  try {
    options = parseSoakOptions(process.argv.slice(2), REPO);
  } catch (error) {
    if (!(error instanceof SoakUsageError)) throw error;
    process.stderr.write(`soak: ${error.message}\n`);
    return 2;
  }
  // One Spark mode for every process of the run (the services, the CLI writers): SUMMARY_SPARK_REMOTE, or in-process.
  // A CLI would otherwise find the stack's Connect server by itself beside in-process services (jest.int-setup.js).
  process.env.SUMMARY_SPARK_REMOTE = process.env.SUMMARY_SPARK_REMOTE?.trim() || IN_PROCESS;
  if (options === 'help') {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  const opts = options;
  const replay =
    `npm run soak -- --seed ${opts.seed} --batches ${opts.batches} --faults ${opts.faults} --accounts ${opts.accounts}` +
    (opts.cluster ? ' --cluster' : '');
  const topology = opts.cluster ? 'cluster' : 'local';
  const pause = new PauseHook(mkdtempSync(join(tmpdir(), 'summary-soak-pause-')));
  // The cluster topology: the case jobs' drivers on the workers see the runner's pause hook too (they run here).
  const components = opts.cluster ? CLUSTER_SERVICES_COMPONENTS : 'kafka registry catalog';
  // More generated batches than needed: the generator's empty ones are dropped.
  const r = new ServicesRun({
    tag: 'soak',
    accounts: opts.accounts,
    seed: opts.seed,
    batches: opts.batches + 5,
    components,
    catalog: opts.cluster
      ? (vars, run) => clusterCatalog(vars, run, 'soak-cluster', ['SUMMARY_RUNNER_PAUSE_DIR'])
      : undefined,
    env: {
      SUMMARY_RUNNER_PAUSE_DIR: pause.dir,
      // The faults test's retry pace (faults.int-spec): outages of up to 30 s end within the attempts.
      DISPATCHER_RETRY_BACKOFF_MS: '1000',
      DISPATCHER_RETRY_MAX_BACKOFF_MS: '8000',
    },
  });
  if (r.batches.length < opts.batches)
    throw new Error(
      `the generator gave ${r.batches.length} non-empty batches for ${opts.batches} days (seed ${opts.seed}); try another --seed`,
    );
  // disk-full: the run's summary namespace on a small disk of its own where the local catalog puts its tables,
  // mounted before the tables exist (soak/disk.ts); without root the fault is left out of the plan. The cluster
  // topology keeps its tables on the object store: no such disk, no such fault.
  const stack = stackUp(components);
  const disk = opts.cluster
    ? undefined
    : join(
        stack.ICEBERG_WAREHOUSE.replace(/^file:\/\//, ''),
        parseConfig(withNamespace(r.run), 'soak config').summaryTable.namespace,
      );
  const mounted = disk ? mountSmallDisk(disk, diskMb(opts.batches)) : { ok: false as const, reason: 'cluster' };
  if (mounted.ok && disk)
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        // Stopped by hand: the tables' disk is not left mounted over the stack's warehouse.
        unmountSmallDisk(disk);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
  if (disk && !mounted.ok)
    say(
      `disk-full left out: mounting a ${diskMb(opts.batches)} MiB tmpfs on ${disk} failed (${mounted.reason}); it needs root`,
    );
  const kinds = kindsOf(topology).filter((k) => k !== 'disk-full' || mounted.ok);
  const plan = planFaults(opts.seed, opts.batches, opts.faults, kinds);
  say(`${opts.batches} batches, ${plan.length} faults, seed ${opts.seed}, ${topology} topology; replay: ${replay}`);
  for (const f of plan)
    say(`  planned fault ${f.index}: day ${f.batch} +${(f.delayMs / 1000).toFixed(1)} s: ${describeTarget(f.target)}`);
  const startedAt = new Date();
  const batches: BatchRecord[] = [];
  const faults: FaultRecord[] = [];
  const ctx: Partial<StrikeContext> = {
    r,
    topology,
    pause,
    malformed: [],
    cliRuns: [],
    killedBeforeLedger: [],
    disk: mounted.ok ? disk : undefined,
  };
  let failure: string | undefined;
  let supervisor: Supervisor | undefined;
  try {
    say(`starting the stack and the four services (run ${r.run}, logs under ${r.dir})`);
    await r.start();
    supervisor = new Supervisor(r.services, say);
    supervisor.start();
    ctx.supervisor = supervisor;
    for (let day = 1; day <= opts.batches; day++) {
      const rows = r.batches[day - 1].length;
      await r.ingestNext();
      const ingestedAt = Date.now();
      const snapshot = await r.h.pipeline.currentSnapshot(r.h.config.sourceTable);
      const todays = runFaults(
        ctx as StrikeContext,
        plan.filter((f) => f.batch === day),
        day,
        ingestedAt,
        faults,
      );
      const { batchId, completedAt, status } = await batchOf(r, snapshot!);
      const record = {
        day,
        batchId,
        rows,
        ingestedAt: new Date(ingestedAt).toISOString(),
        completedAt: new Date(completedAt).toISOString(),
        seconds: Math.round((completedAt - ingestedAt) / 100) / 10,
        status,
      };
      batches.push(record);
      say(`batch ${day}/${opts.batches} ${batchId}: ${rows} rows, ${status} in ${record.seconds} s`);
      await todays;
    }
    await waitFor(
      'every service to run (the supervisor restarts the last killed one)',
      () => (supervisor!.allRunning() ? true : undefined),
      2 * MINUTES,
    );
  } catch (error) {
    failure = (error as Error).message;
    say(`FAILED: ${failure}`);
    if (r.services) for (const s of SERVICES) say(`--- ${s} (${r.services.logFile(s)}):\n${r.services.logTail(s)}`);
  }
  supervisor?.stop();
  pause.clear();
  try {
    stackUp(components); // whatever a failed strike left stopped
  } catch (error) {
    failure ??= (error as Error).message;
  }

  let ended: EndState = { checks: [], rowsLost: null, equalToOracle: false };
  if (failure === undefined) {
    try {
      ended = await endChecks(r, opts.batches, ctx.malformed!, ctx.killedBeforeLedger!);
    } catch (error) {
      failure = `the end checks could not run: ${(error as Error).message}`;
    }
  }
  const checks = [
    {
      name: 'the run went through every day',
      ok: failure === undefined,
      detail: failure ?? `${batches.length} batches`,
    },
    ...ended.checks,
  ];
  const completions = r.log ? r.log.of('batch-completed').map((c) => Number(c.occurredAt)) : [];
  recoveries(
    faults.map((f) => Date.parse(f.struckAt)),
    completions,
  ).forEach((s, i) => (faults[i].recoverySeconds = s));
  // A fault with nothing to strike at its moment is reported, not failed; a strike that threw fails the run.
  const missed = faults.filter((f) => f.missed !== null);
  const struck = faults.length - missed.length;
  checks.push({
    name: 'every planned fault struck (or had nothing to strike)',
    ok: faults.length === plan.length && !faults.some((f) => f.missed === 'failed'),
    detail: `${struck} of ${plan.length} struck${missed.length ? `; missed: ${missed.map((f) => `${f.index} ${f.detail}`).join('; ')}` : ''}`,
  });
  const cliFailed = ctx.cliRuns!.filter((c) => c.code !== 0);
  checks.push({
    name: 'every CLI writer beside the services exited 0',
    ok: cliFailed.length === 0,
    detail: `${ctx.cliRuns!.length - cliFailed.length} of ${ctx.cliRuns!.length}${cliFailed.length ? `; e.g. ${cliFailed[0].stderr.slice(-300)}` : ''}`,
  });
  const finishedAt = new Date();
  const report: SoakReport = {
    seed: opts.seed,
    replay,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    accounts: opts.accounts,
    rowsIngested: r.batches.slice(0, r.ingested).reduce((n, b) => n + b.length, 0),
    rowsLost: ended.rowsLost,
    equalToOracle: ended.equalToOracle,
    passed: checks.every((c) => c.ok),
    data: describeScenario(r.batches.slice(0, r.ingested)),
    batches,
    faults,
    faultsByKind: countByKind(faults.filter((f) => f.missed === null)),
    topology,
    notImplementedKinds: FAULT_KINDS.filter((k) => NOT_IMPLEMENTED.has(k) || !kinds.includes(k)),
    recoverySeconds: stats(
      faults
        .filter((f) => f.missed === null)
        .map((f) => f.recoverySeconds)
        .filter((s): s is number => s !== null),
    ),
    restarts: supervisor?.restarts ?? [],
    checks,
  };
  const files = writeReport(opts.out, report);
  for (const c of checks) say(`${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: ${c.detail}`);
  // The logs' directory is machine-local: printed, not in the report that gets committed.
  say(
    `${report.passed ? 'PASSED' : 'FAILED'}; ` +
      `report: ${relative(REPO, files.markdown)}, ${relative(REPO, files.json)}; ` +
      `the services' and runners' logs: ${r.dir}`,
  );
  await r.close();
  if (mounted.ok && disk) unmountSmallDisk(disk);
  return report.passed ? 0 : 1;
}

/** The day's faults one after another, each at its delay from the ingest; one line per fault. */
async function runFaults(
  ctx: StrikeContext,
  planned: PlannedFault[],
  day: number,
  ingestedAt: number,
  out: FaultRecord[],
): Promise<void> {
  for (const f of planned) {
    const wait = ingestedAt + f.delayMs - Date.now();
    if (f.target.kind !== 'kill-before-ledger' && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const target = describeTarget(f.target);
    let hit: Strike;
    try {
      hit = await strike(ctx, f.target);
    } catch (error) {
      hit = {
        at: Date.now(),
        detail: `the strike itself failed: ${(error as Error).message.slice(0, 300)}`,
        missed: 'failed',
      };
    }
    out.push({
      index: f.index,
      kind: f.target.kind,
      target,
      day,
      struckAt: new Date(hit.at).toISOString(),
      detail: hit.detail,
      missed: hit.missed ?? null,
      recoverySeconds: null,
    });
    say(`fault ${f.index} (day ${day}) ${target}: ${hit.detail}`);
  }
}

/** The batch the watcher announced for the ingest's snapshot, once it COMPLETED. */
async function batchOf(
  r: ServicesRun,
  snapshot: string,
): Promise<{ batchId: string; completedAt: number; status: string }> {
  const w = await waitFor(
    `the watcher to announce source snapshot ${snapshot}`,
    () => r.log.of('watermark-advanced').find((e) => e.sourceEndSnapshotId === snapshot),
    BATCH_TIMEOUT,
    250,
  );
  const done = await waitFor(
    `${w.batchId} to complete`,
    () => r.log.of('batch-completed', w.batchId).find((c) => c.status === 'COMPLETED'),
    BATCH_TIMEOUT,
    250,
  );
  return { batchId: w.batchId, completedAt: Number(done.occurredAt), status: done.status };
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`soak: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
