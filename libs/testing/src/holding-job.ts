import { CompiledJob } from '@app/compiler';

/**
 * A job that touches no table, for launcher, lease and timeout tests: a first step `held` (arm the runner's pause
 * hook, SUMMARY_RUNNER_PAUSE_DIR `arm-<held>`, to hold the job there) and a step `work` that counts `rows`, so a
 * test can tell that the job ran to its end (`result.collected.work` is `[{ n: rows }]`).
 */
export function holdingJob(jobId: string, held = 'started', rows = 1000): CompiledJob {
  return {
    schemaVersion: 1,
    jobId,
    kind: 'maintenance',
    targets: [],
    steps: [
      { name: held, kind: 'collect', maxRows: 1, sql: 'SELECT 1 AS one' },
      { name: 'work', kind: 'collect', maxRows: 1, sql: `SELECT count(*) AS n FROM range(${rows})` },
    ],
  } as unknown as CompiledJob;
}
