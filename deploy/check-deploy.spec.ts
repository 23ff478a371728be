import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// npm run check:deploy (scripts/check-deploy.sh) on the real files, then on copies broken one way each:
// every broken copy must fail with a message that names the file/object and the problem.
const repo = resolve(__dirname, '..');
const script = join(repo, 'scripts', 'check-deploy.sh');
// Copied (and so editable) per test; everything else of the repository is linked into the copy.
const copied = new Set(['k8s', 'deploy', 'docker', 'docker-compose.yaml', 'config', 'runner', 'contracts']);
const skipped = new Set(['.git', 'node_modules', 'dist', '.toolchain', '.runtime', '.warehouse']);

// The first run builds kustomize and tools/deploy-check with Go (a few minutes on 2 cores); later runs
// take seconds.
const FIRST_RUN_MS = 20 * 60_000;
const RUN_MS = 3 * 60_000;

interface Result {
  status: number | null;
  output: string;
}

function checkDeploy(root?: string, args: string[] = []): Result {
  const env = { ...process.env, ...(root ? { DEPLOY_CHECK_ROOT: root } : {}) };
  const run = spawnSync('bash', [script, ...args], { env, encoding: 'utf8', timeout: FIRST_RUN_MS });
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

/** Adds a patch file to an overlay, applied after its own patches (its kustomization ends with `patches:`). */
function addPatch(root: string, overlay: string, file: string, lines: string[]): void {
  writeFileSync(join(root, overlay, file), `${lines.join('\n')}\n`);
  const kustomization = join(root, overlay, 'kustomization.yaml');
  const text = readFileSync(kustomization, 'utf8');
  if (!/\npatches:\n( .*\n)*$/.test(text))
    throw new Error(`${overlay}/kustomization.yaml does not end with its patches: update the test`);
  writeFileSync(kustomization, `${text}  - path: ${file}\n`);
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
      const root = brokenCopy((r) =>
        replaceIn(r, 'k8s/base/classifier.yaml', '  replicas: 1\n', '  replicas: 1\n  replica: 1\n'),
      );
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
      const root = brokenCopy((r) =>
        replaceIn(
          r,
          'deploy/prometheus/alerts.yaml',
          'max(summary_watermark_age_seconds) > 36 * 3600',
          'max(summary_watermark_age_seconds > 36 * 3600',
        ),
      );
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
      expect(result.output).toMatch(
        /PrometheusRule group "summary-pipeline\.[a-z]+" differs from .*alerts\.yaml \(rule \d+ \(alert \w+\)/,
      );
    },
    RUN_MS,
  );

  it(
    'fails on a broken panel query, naming the dashboard, the panel and the query',
    () => {
      const root = brokenCopy((r) =>
        replaceIn(
          r,
          'deploy/grafana/dashboards/pipeline-overview.json',
          'sum(increase(summary_batches_total{status=\\"FAILED\\"}[$window]))',
          'sum(increase(summary_batches_total{status=\\"FAILED\\"}[$window])',
        ),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  dashboard queries parse as PromQL (promtool)');
      expect(result.output).toMatch(
        /pipeline-overview\.json: panel \d+ \\"Batches failed\\" query A.*could not parse expression/,
      );
    },
    RUN_MS,
  );

  it(
    'fails on a panel query whose metric no service defines',
    () => {
      const root = brokenCopy((r) =>
        replaceIn(
          r,
          'deploy/grafana/dashboards/pipeline-overview.json',
          'max(summary_dispatcher_blocked)',
          'max(summary_dispatcher_block)',
        ),
      );
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
        replaceIn(
          r,
          'k8s/overlays/prod/patches/credentials.yaml',
          '            - name: KAFKA_SASL_PASSWORD\n              valueFrom:\n                secretKeyRef: ' +
            '{name: summary-pipeline-kafka-ingest-watcher, key: password}\n',
          '            - name: KAFKA_SASL_PASSWORD\n              value: hunter2\n',
        );
        replaceIn(r, 'docker-compose.yaml', '    stop_grace_period: 600s', '    stop_grace_periods: 600s');
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'Deployment/ingest-watcher: container ingest-watcher: env KAFKA_SASL_PASSWORD has a literal value',
      );
      expect(result.output).toContain('unknown key services.spark-dispatcher.stop_grace_periods');
    },
    RUN_MS,
  );

  // Least privilege and pinning (docs/security.md): each rule fails on a copy that breaks it.
  const ZERO = '0'.repeat(64);

  it(
    'fails on a shared account, a role trusted by another account and a policy that can write the source',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(r, 'k8s/base/auditor.yaml', 'serviceAccountName: auditor', 'serviceAccountName: classifier');
        replaceIn(
          r,
          'deploy/iam/optimize-trust-policy.json',
          'system:serviceaccount:summary-pipeline:summary-optimize',
          'system:serviceaccount:summary-pipeline:summary-toolbox',
        );
        replaceIn(
          r,
          'deploy/iam/classifier-policy.json',
          '"arn:aws:s3:::summary-warehouse-111122223333/warehouse/edf_gold/summary_runs/*"',
          '"arn:aws:s3:::summary-warehouse-111122223333/warehouse/*"',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'FAIL  k8s/overlays/prod least privilege: roles, trust, source read-only, egress',
      );
      expect(result.output).toMatch(
        /Deployment\/(auditor|classifier): shares ServiceAccount classifier with Deployment\/(auditor|classifier): one account \(and role\) per component/,
      );
      expect(result.output).toContain('optimize-trust-policy.json: statement "IrsaForOptimize": StringEquals');
      expect(result.output).toContain(
        'expected StringEquals "system:serviceaccount:summary-pipeline:summary-optimize" (this account only)',
      );
      expect(result.output).toContain(
        'classifier-policy.json: statement 2 "WriteLedgerBatchesRejectsLease": allows s3:PutObject on ' +
          'arn:aws:s3:::summary-warehouse-111122223333/warehouse/*, ' +
          'which covers the source spark_catalog.edf_gold.ivaps_consumer_accounts_all',
      );
    },
    RUN_MS,
  );

  it(
    'fails on a prod egress rule to 0.0.0.0/0 and on one without to:',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(r, 'k8s/overlays/prod/patches/egress.yaml', 'cidr: 198.51.100.10/32', 'cidr: 0.0.0.0/0');
        replaceIn(
          r,
          'k8s/overlays/prod/egress-aws.yaml',
          '    - to:\n        - ipBlock: {cidr: 203.0.113.0/26}\n        - ipBlock: {cidr: 203.0.113.64/26}\n      ports:',
          '    - ports:',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'NetworkPolicy/egress-schema-registry: egress rule 1 allows 0.0.0.0/0 (any address)',
      );
      expect(result.output).toContain(
        'NetworkPolicy/egress-aws-endpoints: egress rule 1 has no `to:`, so it allows any destination',
      );
    },
    RUN_MS,
  );

  // Issue 25: required secrets, a namespace-wide default deny, one principal per component.
  it(
    'fails on an overlay that makes a needed secret optional',
    () => {
      const root = brokenCopy((r) =>
        addPatch(r, 'k8s/overlays/prod', 'patches/optional-secret.yaml', [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: classifier}',
          'spec:',
          '  template:',
          '    spec:',
          '      containers:',
          '        - name: classifier',
          '          env:',
          '            - name: KAFKA_SASL_PASSWORD',
          '              valueFrom:',
          '                secretKeyRef: {name: summary-pipeline-kafka-classifier, key: password, optional: true}',
        ]),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod decodes strictly');
      expect(result.output).toContain(
        'k8s/overlays/prod: Deployment/classifier: container classifier: env KAFKA_SASL_PASSWORD: ' +
          'secretKeyRef summary-pipeline-kafka-classifier/password is optional: ' +
          'a component needs the credentials it references',
      );
    },
    RUN_MS,
  );

  it(
    'fails on an overlay without the namespace-wide default deny, and on one whose namespace-wide policy allows more than DNS',
    () => {
      const root = brokenCopy((r) => {
        addPatch(r, 'k8s/overlays/prod', 'patches/no-default-deny.yaml', [
          '$patch: delete',
          'apiVersion: networking.k8s.io/v1',
          'kind: NetworkPolicy',
          'metadata: {name: default-deny}',
        ]);
        addPatch(r, 'k8s/overlays/dev', 'open-default-deny.yaml', [
          'apiVersion: networking.k8s.io/v1',
          'kind: NetworkPolicy',
          'metadata: {name: default-deny}',
          'spec:',
          '  egress:',
          '    - {}',
        ]);
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod decodes strictly');
      expect(result.output).toContain(
        'k8s/overlays/prod: no namespace-wide default deny: expected a NetworkPolicy with podSelector: ' +
          '{} and policyTypes [Ingress, Egress] that allows only DNS',
      );
      expect(result.output).toContain('FAIL  k8s/overlays/dev decodes strictly');
      expect(result.output).toContain(
        'k8s/overlays/dev: NetworkPolicy/default-deny: selects every pod of the namespace (podSelector: {}) and allows egress beyond DNS (rule 1)',
      );
      expect(result.output).toContain('ok    k8s/base decodes strictly');
    },
    RUN_MS,
  );

  it(
    'fails when two components read one credential',
    () => {
      const toAuditor = (key: string) => [
        `                - name: KAFKA_SASL_${key.toUpperCase()}`,
        '                  valueFrom:',
        `                    secretKeyRef: {name: summary-pipeline-kafka-auditor, key: ${key}}`,
      ];
      const root = brokenCopy((r) =>
        addPatch(r, 'k8s/overlays/prod', 'patches/shared-kafka-user.yaml', [
          'apiVersion: batch/v1',
          'kind: CronJob',
          'metadata: {name: summary-toolbox}',
          'spec:',
          '  jobTemplate:',
          '    spec:',
          '      template:',
          '        spec:',
          '          containers:',
          '            - name: toolbox',
          '              env:',
          ...toAuditor('username'),
          ...toAuditor('password'),
        ]),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod principals');
      expect(result.output).toMatch(
        new RegExp(
          '(CronJob/summary-toolbox|Deployment/auditor): env KAFKA_SASL_USERNAME reads Secret key ' +
            'summary-pipeline-kafka-auditor/username, as component (auditor|toolbox) does: one credential per component',
        ),
      );
      expect(result.output).toContain(
        'CronJob/summary-toolbox: env KAFKA_SASL_PASSWORD reads Secret key ' +
          'summary-pipeline-kafka-auditor/password; expected summary-pipeline-kafka-toolbox/password (component toolbox',
      );
    },
    RUN_MS,
  );

  it(
    'fails when a component does without a credential it needs',
    () => {
      const root = brokenCopy((r) =>
        replaceIn(
          r,
          'k8s/overlays/prod/patches/credentials.yaml',
          '            - name: SUMMARY_CATALOG_CREDENTIAL\n              valueFrom:\n                ' +
            'secretKeyRef: {name: summary-pipeline-catalog-classifier, key: credential}\n',
          '',
        ),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'Deployment/classifier: env SUMMARY_CATALOG_CREDENTIAL is not read from Secret ' +
          'summary-pipeline-catalog-classifier (key credential): component classifier needs it',
      );
    },
    RUN_MS,
  );

  it(
    'fails on a Kafka ACL the code does not need, one the code needs and the file lacks, and a catalog grant its IAM policy does not have',
    () => {
      const root = brokenCopy((r) => {
        // The watcher may write a topic it never produces...
        replaceIn(
          r,
          'deploy/principals.yaml',
          '        - {topic: watermark-advanced, operations: [Read, Write]}\n',
          '        - {topic: watermark-advanced, operations: [Read, Write]}\n        - {topic: case-batch-planned, operations: [Write]}\n',
        );
        // ...the classifier's code now consumes an event its ACLs do not cover...
        replaceIn(
          r,
          'contracts/topic-access.json',
          '"consumes": ["watermark-advanced"]',
          '"consumes": ["watermark-advanced", "batch-completed"]',
        );
        // ...and the auditor's catalog client may write a table its IAM role may not.
        replaceIn(r, 'deploy/principals.yaml', '      write: [summary_audit]', '      write: [summary_audit, summary]');
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod principals');
      expect(result.output).toContain(
        'component ingest-watcher: kafka: grants Write on topic summary.case-batch-planned, which its code does not need',
      );
      expect(result.output).toContain(
        'component classifier: kafka: no Read on topic summary.batch-completed, which its code needs (it consumes batch-completed',
      );
      expect(result.output).toContain('component classifier: kafka: no Write on topic summary.batch-completed.dlq');
      expect(result.output).toContain(
        'component classifier: registry read (subjects whose schemas it decodes: the events it consumes or reads): missing batch-completed',
      );
      expect(result.output).toContain(
        'component auditor: catalog write (as auditor-policy.json grants glue:UpdateTable): summary is not needed',
      );
    },
    RUN_MS,
  );

  it(
    'fails on images without a digest or with :latest, an unpinned package and a requirement without hashes',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(
          r,
          'k8s/overlays/prod/kustomization.yaml',
          `newName: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/node-app\n    digest: sha256:${ZERO}`,
          'newName: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/node-app\n    newTag: 0.1.0',
        );
        replaceIn(
          r,
          'docker/node-app.Dockerfile',
          'ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:',
          'ARG NODE_IMAGE=node:latest@sha256:',
        );
        replaceIn(
          r,
          'docker/runner.Dockerfile',
          'ARG PYTHON311_RPM=python3.11-3.11.14-1.amzn2023.0.6',
          'ARG PYTHON311_RPM=python3.11',
        );
        replaceIn(
          r,
          'runner/requirements.txt',
          'pyspark==3.5.7 \\\n    --hash=sha256:80e36514e0c5c126d35a26adf4f405cd4a69de96a8ea8a3c1e9a65fce2fb4eaa',
          'pyspark==3.5.7',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'Deployment/ingest-watcher: container ingest-watcher: ' +
          'image "111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/node-app:0.1.0" is not pinned by digest',
      );
      expect(result.output).toMatch(
        /node-app\.Dockerfile:\d+: FROM: image "node:latest@sha256:[0-9a-f]{64}" names the tag latest/,
      );
      expect(result.output).toMatch(/runner\.Dockerfile:\d+: dnf install python3\.11: no version/);
      expect(result.output).toMatch(/requirements\.txt:\d+: pyspark==3\.5\.7 has no --hash=sha256/);
    },
    RUN_MS,
  );

  it(
    "passes the repository with warnings for the operator's placeholders, and fails on them with --release",
    () => {
      const result = checkDeploy(undefined, ['--release']);
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/summary-pipeline\/spark-app@sha256:0{64}" has the placeholder digest/);
      expect(result.output).toContain('NetworkPolicy/egress-kafka: egress rule 1: 192.0.2.0/27 is a placeholder');
      expect(result.output).not.toMatch(
        /FAIL {2}(?!k8s\/overlays\/prod(-connect)? (least privilege|images)|Dockerfiles)/,
      );
    },
    RUN_MS,
  );
  // Issue 21: the Spark Connect server on Kubernetes (k8s/components/spark-connect, the prod-connect overlay).
  const CONNECT = 'k8s/components/spark-connect';

  it(
    'fails on a Spark Connect account that may read secrets or is bound to a cluster role, and on another pod that mounts an API token',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(
          r,
          `${CONNECT}/server.yaml`,
          'resources: [configmaps, persistentvolumeclaims]',
          'resources: [configmaps, persistentvolumeclaims, secrets]',
        );
        replaceIn(
          r,
          `${CONNECT}/server.yaml`,
          'roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: summary-spark-connect-executors',
          'roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit',
        );
        replaceIn(
          r,
          'k8s/base/classifier.yaml',
          'automountServiceAccountToken: false',
          'automountServiceAccountToken: true',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod-connect decodes strictly');
      expect(result.output).toContain(
        'k8s/overlays/prod-connect: Role/summary-spark-connect-executors: rule 2: grants secrets',
      );
      expect(result.output).toContain(
        'k8s/overlays/prod-connect: RoleBinding/summary-spark-connect-executors: roleRef ClusterRole/edit: expected a Role of these manifests',
      );
      expect(result.output).toContain('k8s/base: Deployment/classifier: automountServiceAccountToken must be false');
    },
    RUN_MS,
  );

  it(
    "fails on NetworkPolicies or a Service that let more than the pipeline's clients reach the Spark Connect server",
    () => {
      const root = brokenCopy((r) => {
        replaceIn(
          r,
          `${CONNECT}/networkpolicies.yaml`,
          'values: [classifier, spark-dispatcher]}',
          'values: [classifier, spark-dispatcher, auditor]}',
        );
        replaceIn(
          r,
          `${CONNECT}/networkpolicies.yaml`,
          '        - {protocol: TCP, port: 7078}\n        - {protocol: TCP, port: 7079}\n  egress:',
          '        - {protocol: TCP, port: 7078}\n        - {protocol: TCP, port: 7079}\n        - {protocol: TCP, port: 15003}\n  egress:',
        );
        replaceIn(
          r,
          `${CONNECT}/server.yaml`,
          '    - {name: ui, port: 4040, targetPort: ui, protocol: TCP}',
          '    - {name: ui, port: 4040, targetPort: ui, protocol: TCP}\n    - {name: plain, port: 15003, targetPort: 15003, protocol: TCP}',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod-connect Spark Connect server');
      expect(result.output).toContain(
        'NetworkPolicy/spark-connect-server: ingress rule 1 peer 1 admits Deployment/auditor to the ' +
          "clients' port(s) 15002, 4040: only Deployment/classifier, Deployment/spark-dispatcher",
      );
      expect(result.output).toContain(
        "NetworkPolicy/spark-connect-server: ingress rule 2 admits the server's own port 15003 (or every port)",
      );
      expect(result.output).toContain(
        "Service/summary-spark-connect: port plain reaches the server's own port 15003: clients reach it only through the pod's TLS proxy",
      );
    },
    RUN_MS,
  );

  it(
    'fails on a Spark Connect server or client without client authentication, and on optional token or TLS Secrets',
    () => {
      const root = brokenCopy((r) => {
        replaceIn(
          r,
          `${CONNECT}/server.yaml`,
          'interceptor.classes=summarypipeline.connect.LoopbackOnly,summarypipeline.connect.ClientTokens',
          'interceptor.classes=summarypipeline.connect.LoopbackOnly',
        );
        replaceIn(
          r,
          `${CONNECT}/clients.yaml`,
          'value: sc://summary-spark-connect:15002/;use_ssl=true;token=$(SPARK_CONNECT_TOKEN)',
          'value: sc://summary-spark-connect:15002/;use_ssl=false',
        );
        replaceIn(
          r,
          `${CONNECT}/clients.yaml`,
          '{name: summary-spark-connect-token-spark-dispatcher, key: token}',
          '{name: summary-spark-connect-token-spark-dispatcher, key: token, optional: true}',
        );
        replaceIn(
          r,
          `${CONNECT}/server.yaml`,
          'secretName: summary-spark-connect-tls',
          'secretName: summary-spark-connect-tls\n            optional: true',
        );
      });
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain(
        'container spark-connect: spark.connect.grpc.interceptor.classes "summarypipeline.connect.LoopbackOnly" lacks summarypipeline.connect.ClientTokens',
      );
      expect(result.output).toContain(
        'Deployment/classifier: container classifier: SUMMARY_SPARK_REMOTE has no use_ssl=true',
      );
      expect(result.output).toContain(
        'Deployment/classifier: container classifier: SUMMARY_SPARK_REMOTE has token=""; expected token=$(SPARK_CONNECT_TOKEN)',
      );
      expect(result.output).toContain(
        'Deployment/spark-dispatcher: container spark-dispatcher: env SPARK_CONNECT_TOKEN: ' +
          'secretKeyRef summary-spark-connect-token-spark-dispatcher/token is optional',
      );
      expect(result.output).toContain(
        'Deployment/summary-spark-connect: volume tls: Secret summary-spark-connect-tls is optional',
      );
    },
    RUN_MS,
  );

  it(
    'fails on a Spark Connect image without a digest, and on executors of another image than the server',
    () => {
      const root = brokenCopy((r) =>
        replaceIn(
          r,
          'k8s/overlays/prod-connect/kustomization.yaml',
          `newName: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/spark-connect\n    digest: sha256:${ZERO}`,
          'newName: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/spark-connect\n    newTag: 0.1.0',
        ),
      );
      const result = checkDeploy(root);
      expect(result.status).toBe(1);
      expect(result.output).toContain('FAIL  k8s/overlays/prod-connect images pinned by digest');
      expect(result.output).toContain(
        'Deployment/summary-spark-connect: container spark-connect: ' +
          'image "111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/spark-connect:0.1.0" is not pinned by digest',
      );
      expect(result.output).toContain(
        'spark.kubernetes.container.image ' +
          `"111122223333.dkr.ecr.eu-west-1.amazonaws.com/summary-pipeline/spark-connect@sha256:${'0'.repeat(64)}" ` +
          "(the executors') is not the server's image",
      );
    },
    RUN_MS,
  );
});
