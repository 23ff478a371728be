import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// npm run check:deploy (scripts/check-deploy.sh) on the real files, then on copies broken one way each:
// every broken copy must fail with a message that names the file/object and the problem.
const repo = resolve(__dirname, '..');
const script = join(repo, 'scripts', 'check-deploy.sh');
// Copied (and so editable) per test; everything else of the repository is linked into the copy.
const copied = new Set(['k8s', 'deploy', 'docker', 'docker-compose.yaml', 'config']);
const skipped = new Set(['.git', 'node_modules', 'dist', '.toolchain', '.runtime', '.warehouse']);

// The first run builds kustomize and tools/deploy-check with Go (a few minutes on 2 cores); later runs
// take seconds.
const FIRST_RUN_MS = 20 * 60_000;
const RUN_MS = 3 * 60_000;

interface Result {
  status: number | null;
  output: string;
}

function checkDeploy(root?: string): Result {
  const env = { ...process.env, ...(root ? { DEPLOY_CHECK_ROOT: root } : {}) };
  const run = spawnSync('bash', [script], { env, encoding: 'utf8', timeout: FIRST_RUN_MS });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const roots: string[] = [];

/** A copy of the deployment files in a temp dir, with `edit` applied; the rest of the repo is symlinked. */
function brokenCopy(edit: (root: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'check-deploy-'));
  roots.push(root);
  for (const entry of readdirSync(repo)) {
    if (skipped.has(entry)) continue;
    if (copied.has(entry)) cpSync(join(repo, entry), join(root, entry), { recursive: true });
    else symlinkSync(join(repo, entry), join(root, entry));
  }
  edit(root);
  return root;
}

/** Replaces `from` with `to` in a copied file; fails if `from` is not there (the test would prove nothing). */
function replaceIn(root: string, file: string, from: string, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}: update the test`);
  writeFileSync(path, text.replace(from, to));
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('npm run check:deploy', () => {
  it(
    'passes on the repository files',
    () => {
      const result = checkDeploy();
      expect(result.output).toContain('check:deploy: all checks passed');
      expect(result.status).toBe(0);
    },
    FIRST_RUN_MS,
  );

  it(
    'fails on an unknown field in a Deployment, naming the overlay, the object and the field',
    () => {
      const root = brokenCopy((r) => replaceIn(r, 'k8s/base/classifier.yaml', '  replicas: 1\n', '  replicas: 1\n  replica: 1\n'));
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/base decodes strictly');
      expect(result.output).toContain('k8s/overlays/prod: document');
      expect(result.output).toMatch(/Deployment\/classifier: unknown field "spec\.replica"/);
    },
    RUN_MS,
  );

  it(
    'fails on a broken alert expression, naming the rule, and on the PrometheusRule that no longer matches',
    () => {
      const root = brokenCopy((r) => replaceIn(r, 'deploy/prometheus/alerts.yaml', 'max(summary_watermark_age_seconds) > 36 * 3600', 'max(summary_watermark_age_seconds > 36 * 3600'));
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  promtool check rules deploy/prometheus/alerts.yaml');
      expect(result.output).toMatch(/"WatermarkStale": could not parse expression/);
      expect(result.output).toContain('PrometheusRule group "summary-pipeline.freshness" differs from');
      expect(result.output).toContain('--write-rule');
    },
    RUN_MS,
  );

  it(
    'fails on a PrometheusRule edited by hand',
    () => {
      const root = brokenCopy((r) => replaceIn(r, 'k8s/base/prometheusrule.yaml', 'for: 5m', 'for: 6m'));
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/PrometheusRule group "summary-pipeline\.[a-z]+" differs from .*alerts\.yaml \(rule \d+ \(alert \w+\)/);
    },
    RUN_MS,
  );

  it(
    'fails on a broken panel query, naming the dashboard, the panel and the query',
    () => {
      const root = brokenCopy((r) =>
        replaceIn(r, 'deploy/grafana/dashboards/pipeline-overview.json', 'sum(increase(summary_batches_total{status=\\"FAILED\\"}[$window]))', 'sum(increase(summary_batches_total{status=\\"FAILED\\"}[$window])'),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  dashboard queries parse as PromQL (promtool)');
      expect(result.output).toMatch(/pipeline-overview\.json: panel \d+ \\"Batches failed\\" query A.*could not parse expression/);
    },
    RUN_MS,
  );

  it(
    'fails on a panel query whose metric no service defines',
    () => {
      const root = brokenCopy((r) => replaceIn(r, 'deploy/grafana/dashboards/pipeline-overview.json', 'max(summary_dispatcher_blocked)', 'max(summary_dispatcher_block)'));
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/panel \d+ "Dispatcher blocked" query A: unknown metric summary_dispatcher_block /);
    },
    RUN_MS,
  );

  it(
    'fails on a credential written into a manifest and on an unknown compose key',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(r, 'k8s/base/ingest-watcher.yaml', '            - name: KAFKA_SASL_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: summary-pipeline-kafka, key: password, optional: true}\n', '            - name: KAFKA_SASL_PASSWORD\n              value: hunter2\n');
        replaceIn(r, 'docker-compose.yaml', '    stop_grace_period: 600s', '    stop_grace_periods: 600s');
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('Deployment/ingest-watcher: container ingest-watcher: env KAFKA_SASL_PASSWORD has a literal value');
      expect(result.output).toContain('unknown key services.spark-dispatcher.stop_grace_periods');
    },
    RUN_MS,
  );
});
