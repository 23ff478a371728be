import 'reflect-metadata';
import { resolve } from 'node:path';
import { EnvReader, bootstrap, jsonLog, runService, serviceContext } from '@app/common';
import { leaseFor } from '@app/engine';
import { leaseOptionsFromEnv } from '@app/lease';
import { EngineHandle, engineSettingsFromEnv } from '@app/service-kit';
import { loadConfigFile } from '@app/config';
import { EmrOnEksLauncher, JobLauncher, LeasedLauncher, SparkSubmitLauncher } from '@app/launcher';
import { DispatchModule } from './dispatch/dispatch.module';
import { DEFAULT_JOB_TIMEOUT_MS, LEASE_WAIT_MS, LocalLauncher } from './launchers/local.launcher';

/** spark-dispatcher: runs each planned case's job in order III → I → II on the launcher (README "Services"). */
bootstrap(async () => {
  const env = new EnvReader();
  const ctx = serviceContext('spark-dispatcher', 3003, env);
  const settings = engineSettingsFromEnv(env);
  const kind = env.oneOf(
    'DISPATCHER_LAUNCHER',
    ['local', 'connect', 'emr', 'spark-submit'] as const,
    'local',
    "where case jobs run: the dispatcher's own runner (in-process, or a Spark Connect client with SUMMARY_SPARK_REMOTE), " +
      'connect (the same, SUMMARY_SPARK_REMOTE required), EMR on EKS, or a Spark standalone master',
  );
  const jobTimeoutMs = env.int(
    'DISPATCHER_JOB_TIMEOUT_MS',
    DEFAULT_JOB_TIMEOUT_MS,
    'local and connect: a case job still running after this long is stopped (its runner killed) and retried; 0: no ' +
      'limit (the cluster launchers have their own: EMR_JOB_TIMEOUT_MS, SPARK_SUBMIT_JOB_TIMEOUT_MS)',
    0,
  );
  // Eight attempts 5, 10, 20, 40, 60, 60, 60 s apart ride out about four minutes of a catalog, object store
  // or lease outage before the batch stops and BatchFailed fires.
  const maxAttempts = env.int(
    'DISPATCHER_MAX_ATTEMPTS',
    8,
    'attempts per case for retriable failures before the batch stops',
    1,
  );
  const retryBackoffMs = env.int('DISPATCHER_RETRY_BACKOFF_MS', 5000, 'first retry delay, doubled per attempt');
  const retryMaxBackoffMs = env.int('DISPATCHER_RETRY_MAX_BACKOFF_MS', 60000, 'longest delay between two attempts', 1);
  env.done();
  if (kind === 'connect' && !settings.engine.remote)
    throw new Error(
      'DISPATCHER_LAUNCHER=connect runs the case jobs as sessions on a Spark Connect server: set SUMMARY_SPARK_REMOTE ' +
        "to it (sc://host:port; the local stack's is sc://127.0.0.1:15002, the cluster topology's sc://127.0.0.1:15012)",
    );
  const config = loadConfigFile(resolve(settings.configFile));
  // Every launcher has a Spark runner in the dispatcher: the local one runs the jobs on it; with EMR_*
  // (docs/emr-on-eks.md) or SPARK_SUBMIT_* (docs/spark-cluster.md) the jobs run on the cluster and the
  // runner only holds the pipeline's lease (LeasedLauncher).
  const remote =
    kind === 'emr' ? EmrOnEksLauncher.fromEnv() : kind === 'spark-submit' ? SparkSubmitLauncher.fromEnv() : null; // settings checked before Spark starts
  const engine = new EngineHandle(settings, ctx.name);
  await engine.pipeline();
  let launcher: JobLauncher;
  if (remote === null) {
    launcher = new LocalLauncher(engine, { engine: settings.engine.remote ? 'connect' : 'local', jobTimeoutMs });
  } else {
    const lease = leaseOptionsFromEnv();
    const newLease = async () => leaseFor(await engine.pipeline(), ctx.name, lease);
    launcher = new LeasedLauncher(
      remote,
      newLease,
      lease,
      { waitMs: LEASE_WAIT_MS, onWait: (m) => jsonLog('info', m) },
      () => engine.close(),
    );
  }
  const health = { extra: [{ key: 'spark-runner', check: () => engine.ping() }] };
  await runService(
    ctx,
    DispatchModule.register(ctx, launcher, { config, maxAttempts, retryBackoffMs, retryMaxBackoffMs }, health),
    { groupId: ctx.groupId },
  );
});
