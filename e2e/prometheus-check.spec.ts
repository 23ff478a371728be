import { join } from 'node:path';
import { REPO } from './service-processes';
import { alertQueries, dashboardQueries, declaredMetrics, selectors, substituteVariables } from './prometheus-check';

describe('prometheus-check', () => {
  it('finds the series selectors of an expression, not its functions, labels or durations', () => {
    expect(
      selectors('sum by (case, le) (increase(summary_job_duration_seconds_bucket{status="SUCCEEDED"}[1h]))'),
    ).toEqual(['summary_job_duration_seconds_bucket{status="SUCCEEDED"}']);
    expect(
      selectors(
        'time() - max(max_over_time(summary_last_batch_completed_timestamp_seconds[7d])) > 7200 or on() absent_over_time(summary_x[7d])',
      ),
    ).toEqual(['summary_last_batch_completed_timestamp_seconds', 'summary_x']);
    expect(selectors('max by (service) (up{service=~"ingest-watcher|classifier"}) == 0')).toEqual([
      'up{service=~"ingest-watcher|classifier"}',
    ]);
    expect(selectors('max(summary_watermark_age_seconds) > 36 * 3600')).toEqual(['summary_watermark_age_seconds']);
  });

  it('substitutes the dashboard variables an instant query needs', () => {
    expect(substituteVariables('increase(a[$window]) + rate(b[${__rate_interval}]) + c[$unknown]')).toBe(
      'increase(a[1h]) + rate(b[1m]) + c[$unknown]',
    );
  });

  it('reads every panel query and alert expression of the deploy files', () => {
    const panels = dashboardQueries(join(REPO, 'deploy/grafana/dashboards'));
    const alerts = alertQueries(join(REPO, 'deploy/prometheus/alerts.yaml'));
    expect(panels.length).toBeGreaterThan(10);
    expect(alerts.length).toBeGreaterThan(4);
    for (const q of [...panels, ...alerts]) {
      expect(q.expr).not.toMatch(/\$/);
      expect(selectors(q.expr).length).toBeGreaterThan(0);
    }
  });

  it('reads the declared metric names of an exposition, histogram series included', () => {
    const text =
      '# HELP a_total x\n# TYPE a_total counter\n# HELP d_seconds y\n# TYPE d_seconds histogram\nd_seconds_bucket{le="1"} 0\n';
    expect([...declaredMetrics(text)].sort()).toEqual([
      'a_total',
      'd_seconds',
      'd_seconds_bucket',
      'd_seconds_count',
      'd_seconds_sum',
    ]);
  });
});
