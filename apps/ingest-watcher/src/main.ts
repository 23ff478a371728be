// Placeholder for the ingest-watcher service, which publishes WatermarkAdvanced for new source snapshots.
// The service is built in issue #3 on top of @app/compiler and @app/engine; until then it only says so.
process.stderr.write('ingest-watcher: not implemented yet; use "npx summary-pipeline run" (see README)\n');
process.exitCode = 1;
