import 'reflect-metadata';
import { resolve } from 'node:path';
import { EnvReader, bootstrap, runService, serviceContext } from '@app/common';
import { EngineHandle, engineSettingsFromEnv } from '@app/service-kit';
import { loadConfigFile } from '@app/config';
import { EmrOnEksLauncher, JobLauncher, SparkSubmitLauncher } from '@app/launcher';
import { DispatchModule } from './dispatch/dispatch.module';
import { LocalLauncher } from './launchers/local.launcher';

/** spark-dispatcher: runs each planned case's job in order III → I → II on the launcher (README "Services"). */
bootstrap(async () => {
  const env = new EnvReader();
  const ctx = serviceContext('spark-dispatcher', 3003, env);
  const settings = engineSettingsFromEnv(env);
  const kind = env.oneOf('DISPATCHER_LAUNCHER', ['local', 'emr', 'spark-submit'] as const, 'local', 'where case jobs run: the embedded Spark runner, EMR on EKS, or a Spark standalone master');
  // Eight attempts 5, 10, 20, 40, 60, 60, 60 s apart ride out about four minutes of a catalog, object store
  // or lease outage before the batch stops and BatchFailed fires.
  const maxAttempts = env.int('DISPATCHER_MAX_ATTEMPTS', 8, 'attempts per case for retriable failures before the batch stops', 1);
  const retryBackoffMs = env.int('DISPATCHER_RETRY_BACKOFF_MS', 5000, 'first retry delay, doubled per attempt');
  const retryMaxBackoffMs = env.int('DISPATCHER_RETRY_MAX_BACKOFF_MS', 60000, 'longest delay between two attempts', 1);
  env.done();
  const config = loadConfigFile(resolve(settings.configFile));
  let launcher: JobLauncher;
  let health = {};
  if (kind === 'local') {
    const engine = new EngineHandle(settings, ctx.name);
    await engine.pipeline();
    launcher = new LocalLauncher(engine);
    health = { extra: [{ key: 'spark-runner', check: () => engine.ping() }] };
  } else if (kind === 'emr') {
    launcher = EmrOnEksLauncher.fromEnv(); // EMR_* variables, docs/emr-on-eks.md
  } else {
    launcher = SparkSubmitLauncher.fromEnv(); // SPARK_SUBMIT_* variables, docs/spark-cluster.md
  }
  await runService(ctx, DispatchModule.register(ctx, launcher, { config, maxAttempts, retryBackoffMs, retryMaxBackoffMs }, health), { groupId: ctx.groupId, events: ['case-batch-planned'] });
});
