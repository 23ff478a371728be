import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { scopeExpr, scopeRuleFile } from './scope-rules';

describe('scopeExpr', () => {
  const scope = (e: string) => scopeExpr(e, 'run', 'r1');

  it.each([
    ['max(summary_dispatcher_blocked) > 0', 'max(summary_dispatcher_blocked{run="r1"}) > 0'],
    [
      'sum(increase(summary_batches_total{status="FAILED"}[15m])) > 0',
      'sum(increase(summary_batches_total{run="r1",status="FAILED"}[15m])) > 0',
    ],
    ['up{service=~"ingest-watcher|up"} == 0', 'up{run="r1",service=~"ingest-watcher|up"} == 0'],
    [
      'max by (service, topic) (summary_consumer_lag) > 20',
      'max by (service, topic) (summary_consumer_lag{run="r1"}) > 20',
    ],
    [
      'time() - max(max_over_time(summary_last_batch_completed_timestamp_seconds[7d])) > 7200',
      'time() - max(max_over_time(summary_last_batch_completed_timestamp_seconds{run="r1"}[7d])) > 7200',
    ],
    ['absent_over_time(summary_x{}[1h])', 'absent_over_time(summary_x{run="r1"}[1h])'],
    ['max(nodejs_heap_size_total_bytes) and on() vector(1)', 'max(nodejs_heap_size_total_bytes) and on() vector(1)'],
  ])('%s', (expr, want) => expect(scope(expr)).toBe(want));
});

describe('scopeRuleFile on the shipped alerts', () => {
  const shipped = join(__dirname, 'alerts.yaml');
  const scoped = parseYaml(scopeRuleFile(readFileSync(shipped, 'utf8'), 'run', 'r1')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string; labels: Record<string, string> }> }>;
  };
  const rules = scoped.groups.flatMap((g) => g.rules);

  it('scopes every summary_* and up selector and labels every alert', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      expect(r.labels.run).toBe('r1');
      const unscoped = [...r.expr.matchAll(/\b(summary_\w+|up)\b(\{[^}]*\})?(?!\s*\()/g)].filter(
        (m) => !m[2]?.includes('run="r1"'),
      );
      expect({ alert: r.alert, unscoped: unscoped.map((m) => m[0]) }).toEqual({ alert: r.alert, unscoped: [] });
    }
  });

  it('refuses a file that is not a rule file, saying what it expected', () => {
    expect(() => scopeRuleFile('foo: 1\n', 'run', 'r1')).toThrow(/expected a top-level "groups" list/);
  });

  it('writes a file promtool accepts', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'scope-rules-')), 'rules.yaml');
    writeFileSync(file, scopeRuleFile(readFileSync(shipped, 'utf8'), 'run', 'r1'));
    expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toMatch(
      /SUCCESS: \d+ rules found/,
    );
  });
});
