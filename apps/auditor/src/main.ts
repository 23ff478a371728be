import 'reflect-metadata';
import { EnvReader, bootstrap, jsonLog, runService, serviceContext } from '@app/common';
import { EngineHandle, engineSettingsFromEnv } from '@app/service-kit';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { watchDeadLetters } from './audit/dead-letters';

/** auditor: every event into the Iceberg audit table, and the pipeline's metrics (README "Services"). */
bootstrap(async () => {
  const env = new EnvReader();
  const ctx = serviceContext('auditor', 3004, env);
  const settings = engineSettingsFromEnv(env);
  const maxBuffered = env.int(
    'AUDITOR_FLUSH_MAX_EVENTS',
    500,
    'events merged into the audit table per write at most',
    1,
  );
  const dlqIntervalMs = env.int(
    'AUDITOR_DLQ_CHECK_INTERVAL_MS',
    15000,
    'how often dead-letter topic sizes are read',
    1000,
  );
  env.done();
  const engine = new EngineHandle(settings, ctx.name);
  await engine.pipeline();
  const audit = new AuditService(engine, ctx.metrics, maxBuffered);
  // Only metrics depend on it: a failure (e.g. no audit table yet) is logged, not fatal.
  await audit
    .restore()
    .catch((err: Error) =>
      jsonLog('warn', 'could not restore the last completed batch from the audit table', { error: err.message }),
    );
  await runService(ctx, AuditModule.register(ctx, engine, audit), {
    groupId: ctx.groupId,
    afterBatch: () => audit.flush().then(() => undefined),
  });
  watchDeadLetters(ctx, dlqIntervalMs);
});
