// Placeholder for the spark-dispatcher service, which launches each case's compiled job in order (local runner or EMR on EKS).
// The service is built in issue #3 on top of @app/compiler and @app/engine; until then it only says so.
process.stderr.write('spark-dispatcher: not implemented yet; use "npx summary-pipeline run" (see README)\n');
process.exitCode = 1;
