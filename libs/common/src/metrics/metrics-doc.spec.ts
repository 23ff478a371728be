import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_DEFINITIONS, Metrics, SERVICE_METRICS } from './metrics';

// docs/metrics.md is the operator's reference: it must name every metric the services expose, with its
// labels, so a new metric cannot ship undocumented.
describe('metrics', () => {
  const doc = readFileSync(join(__dirname, '../../../../docs/metrics.md'), 'utf8');

  it.each(Object.values(METRIC_DEFINITIONS).map((d) => [d.name, d] as const))(
    'docs/metrics.md documents %s with its labels',
    (name, def) => {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(line).toBeDefined();
      for (const label of def.labels) expect(line).toContain(`\`${label}\``);
    },
  );

  it('exposes a metric with the service label once it is used', async () => {
    const m = new Metrics('unit-test');
    m.get('caseRecords').inc({ case: 'CASE_I' }, 3);
    expect(await m.registry.metrics()).toContain('summary_case_records_total{case="CASE_I",service="unit-test"} 3');
  });

  it("declares a service's metrics at start: counters of known labels at 0, no made-up gauge values", async () => {
    const m = new Metrics('auditor');
    m.declare(SERVICE_METRICS.auditor);
    const text = await m.registry.metrics();
    expect(text).toContain('summary_batches_total{status="FAILED",service="auditor"} 0');
    expect(text).toContain('summary_job_failures_total{case="CASE_III",service="auditor"} 0');
    expect(text).toContain('summary_rejects_total{reason="NULL_KEY",service="auditor"} 0');
    expect(text).toContain('summary_report_rows_total{outcome="vetoed",service="auditor"} 0');
    expect(text).toContain('# TYPE summary_job_duration_seconds histogram');
    expect(text).not.toContain('summary_watermark_age_seconds');
    expect(text).not.toContain('summary_last_batch_completed_timestamp_seconds');
  });

  it('declares only defined metrics, for the four services', () => {
    expect(Object.keys(SERVICE_METRICS).sort()).toEqual([
      'auditor',
      'classifier',
      'ingest-watcher',
      'spark-dispatcher',
    ]);
    for (const keys of Object.values(SERVICE_METRICS))
      for (const k of keys) expect(METRIC_DEFINITIONS[k]).toBeDefined();
  });
});
