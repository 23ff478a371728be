// Placeholder for the classifier service, which runs the classify job and publishes one CaseBatchPlanned per case.
// The service is built in issue #3 on top of @app/compiler and @app/engine; until then it only says so.
process.stderr.write('classifier: not implemented yet; use "npx summary-pipeline run" (see README)\n');
process.exitCode = 1;
