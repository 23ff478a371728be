// Integration tests start a Spark runner and run whole batches: minutes, not the 5 s default.
jest.setTimeout(900000);
// One mode per run (issue 21): the suites' harnesses, the services and the CLI runs they spawn all take their Spark
// from SUMMARY_SPARK_REMOTE (the test command sets the stack's Connect server). Unset, they all run in-process:
// a CLI must not find the stack's server by itself while the services beside it run in-process, since an
// in-process runner cannot interrupt what a dead Connect client left running (docs/spark-connect.md).
process.env.SUMMARY_SPARK_REMOTE = process.env.SUMMARY_SPARK_REMOTE || 'local';
