import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_DEFINITIONS, Metrics } from './metrics';

// docs/metrics.md is the operator's reference: it must name every metric the services expose, with its
// labels, so a new metric cannot ship undocumented.
describe('metrics', () => {
  const doc = readFileSync(join(__dirname, '../../../../docs/metrics.md'), 'utf8');

  it.each(Object.values(METRIC_DEFINITIONS).map((d) => [d.name, d] as const))('docs/metrics.md documents %s with its labels', (name, def) => {
    const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
    expect(line).toBeDefined();
    for (const label of def.labels) expect(line).toContain(`\`${label}\``);
  });

  it('exposes a metric with the service label once it is used', async () => {
    const m = new Metrics('unit-test');
    m.get('caseRecords').inc({ case: 'CASE_I' }, 3);
    expect(await m.registry.metrics()).toContain('summary_case_records_total{case="CASE_I",service="unit-test"} 3');
  });
});
