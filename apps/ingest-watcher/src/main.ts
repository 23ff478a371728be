import 'reflect-metadata';
import { resolve } from 'node:path';
import { EnvReader, bootstrap, runService, serviceContext } from '@app/common';
import { engineSettingsFromEnv, snapshotSourceFor } from '@app/service-kit';
import { loadConfigFile } from '@app/config';
import { WatcherModule } from './watcher.module';

/** ingest-watcher: announces new source (and report-date, SPEC §4b) snapshots as WatermarkAdvanced events (README "Services"). */
bootstrap(async () => {
  const env = new EnvReader();
  const ctx = serviceContext('ingest-watcher', 3001, env);
  const engine = engineSettingsFromEnv(env);
  const pollIntervalMs = env.int('WATCHER_POLL_INTERVAL_MS', 5000, 'how often the source table metadata is read', 100);
  env.done();
  const config = loadConfigFile(resolve(engine.configFile));
  const snapshots = snapshotSourceFor(engine, config.sourceTable.catalog);
  await runService(
    ctx,
    WatcherModule.register(ctx, {
      sourceTable: config.sourceTable,
      reportTable: config.reportDates?.table,
      snapshots,
      pollIntervalMs,
    }),
  );
});
