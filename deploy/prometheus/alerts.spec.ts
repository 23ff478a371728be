import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

// Issue #13: each shipped alert fires on the series of its failure, not before its `for`, and not on a healthy
// pipeline — evaluated by Prometheus' own rule engine (`promtool test rules`, Debian's prometheus package,
// installed by scripts/check-deploy.sh) on synthetic series, one minute apart. The demo's e2e shows the live
// half (no alert on a healthy demo, ServiceDown for a killed service).

const ALERTS = join(__dirname, 'alerts.yaml');

interface Rule {
  alert: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules = new Map<string, Rule>(
  (parseYaml(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups
    .flatMap((g) => g.rules)
    .map((r) => [r.alert, r]),
);

/** An alert as promtool expects it: the rule's labels and its annotations rendered for these labels and value. */
function firing(alert: string, labels: Record<string, string>, value: string, humanized?: string) {
  const rule = rules.get(alert);
  if (!rule) throw new Error(`no alert ${alert} in ${ALERTS}`);
  const render = (text: string) =>
    text
      .replace(/\{\{ \$value \| humanizeDuration \}\}/g, () => humanized ?? '')
      .replace(/\{\{ \$value \}\}/g, value)
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  return {
    exp_labels: { ...rule.labels, ...labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])),
  };
}

interface Check {
  at: string;
  alert: string;
  fires: ReturnType<typeof firing>[];
}
interface Case {
  series: Array<{ series: string; values: string }>;
  checks: Check[];
}

function promtoolTest(cases: Case[]): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-test-'));
  const file = join(dir, 'alerts.test.yaml');
  writeFileSync(
    file,
    stringify({
      rule_files: [ALERTS],
      evaluation_interval: '1m',
      tests: cases.map((c) => ({
        interval: '1m',
        input_series: c.series,
        alert_rule_test: c.checks.map((k) => ({ eval_time: k.at, alertname: k.alert, exp_alerts: k.fires })),
      })),
    }),
  );
  const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  if (r.error)
    throw new Error(`promtool could not run (${r.error.message}); install it with: bash scripts/check-deploy.sh`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const healthy = [
  { series: 'summary_dispatcher_blocked{service="spark-dispatcher"}', values: '0x90' },
  { series: 'summary_batches_total{service="spark-dispatcher",status="COMPLETED"}', values: '0+1x90' },
  { series: 'summary_batches_total{service="spark-dispatcher",status="FAILED"}', values: '0x90' },
  { series: 'summary_watermark_age_seconds{service="ingest-watcher"}', values: '3600x90' },
  { series: 'summary_watcher_last_poll_timestamp_seconds{service="ingest-watcher"}', values: '0+60x90' },
  { series: 'summary_dead_letter_messages{service="classifier",topic="demo.watermark-advanced.dlq"}', values: '0x90' },
  { series: 'summary_consumer_lag{service="auditor",topic="demo.batch-completed"}', values: '0x90' },
  ...['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor'].map((s) => ({
    series: `up{job="${s}",service="${s}"}`,
    values: '1x90',
  })),
];

describe('the shipped alert rules under promtool', () => {
  it('fire no alert on a healthy pipeline for 90 minutes', () => {
    const result = promtoolTest([
      { series: healthy, checks: [...rules.keys()].map((alert) => ({ at: '90m', alert, fires: [] })) },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('BatchFailed fires at once for a stopped batch, and for a failed batch that was retried before the next scrape', () => {
    const result = promtoolTest([
      {
        series: [{ series: 'summary_dispatcher_blocked{service="spark-dispatcher"}', values: '0 0 1 1 1 1' }],
        checks: [
          { at: '1m', alert: 'BatchFailed', fires: [] },
          { at: '2m', alert: 'BatchFailed', fires: [firing('BatchFailed', {}, '1')] },
        ],
      },
      {
        series: [
          { series: 'summary_dispatcher_blocked{service="spark-dispatcher"}', values: '0x30' },
          { series: 'summary_batches_total{service="spark-dispatcher",status="FAILED"}', values: '0 0 1x28' },
        ],
        checks: [
          { at: '1m', alert: 'BatchFailed', fires: [] },
          { at: '3m', alert: 'BatchFailed', fires: [firing('BatchFailed', {}, '1')] },
          // increase(…[15m]) forgets it a quarter of an hour later; the blocked gauge is what stays.
          { at: '25m', alert: 'BatchFailed', fires: [] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('ServiceDown, WatermarkStale, SourcePollingStopped and DeadLetterTopicNotEmpty fire after their `for`, not before', () => {
    const result = promtoolTest([
      {
        series: [
          { series: 'up{job="classifier",service="classifier"}', values: '1 1 0x20' },
          { series: 'summary_watermark_age_seconds{service="ingest-watcher"}', values: '140000x60' },
          { series: 'summary_watcher_last_poll_timestamp_seconds{service="ingest-watcher"}', values: '0x60' },
          {
            series: 'summary_dead_letter_messages{service="classifier",topic="demo.case-batch-planned.dlq"}',
            values: '0 2x20',
          },
        ],
        checks: [
          { at: '5m', alert: 'ServiceDown', fires: [] },
          {
            at: '8m',
            alert: 'ServiceDown',
            fires: [firing('ServiceDown', { job: 'classifier', service: 'classifier' }, '0')],
          },
          { at: '20m', alert: 'WatermarkStale', fires: [] },
          { at: '40m', alert: 'WatermarkStale', fires: [firing('WatermarkStale', {}, '140000', '1d 14h 53m 20s')] },
          // The last poll at t=0: > 600 s from 11m on, firing 10 minutes later.
          { at: '15m', alert: 'SourcePollingStopped', fires: [] },
          { at: '25m', alert: 'SourcePollingStopped', fires: [firing('SourcePollingStopped', {}, '1500')] },
          { at: '4m', alert: 'DeadLetterTopicNotEmpty', fires: [] },
          {
            at: '7m',
            alert: 'DeadLetterTopicNotEmpty',
            fires: [firing('DeadLetterTopicNotEmpty', { topic: 'demo.case-batch-planned.dlq' }, '2')],
          },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('can fail: an alert that a healthy pipeline does not raise is reported missing', () => {
    const result = promtoolTest([
      { series: healthy, checks: [{ at: '90m', alert: 'BatchFailed', fires: [firing('BatchFailed', {}, '1')] }] },
    ]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/alertname: BatchFailed[\s\S]*exp:[\s\S]*got:\[\]/);
  });
});
