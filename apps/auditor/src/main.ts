// Placeholder for the auditor service, which writes the Iceberg audit table and exposes Prometheus metrics.
// The service is built in issue #3 on top of @app/compiler and @app/engine; until then it only says so.
process.stderr.write('auditor: not implemented yet; use "npx summary-pipeline run" (see README)\n');
process.exitCode = 1;
