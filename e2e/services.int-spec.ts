import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { formatBatchId as batchIdOf } from '@app/lifecycle';
import { ALT_ORACLE_SPEC, SparkHarness, diffRows, oracle, softDeleteCounts, startHarness } from '@app/testing';
import { EventLog } from './event-log';
import { PauseHook } from './faults';
import { PrometheusApi, alertQueries, checkQueries, dashboardQueries, declaredMetrics } from './prometheus-check';
import { REPO, SERVICES, ServiceName, ServiceProcesses, waitFor } from './service-processes';
import { MINUTES, ServicesRun, latestKey, summaryKey, withNamespace } from './services-run';

// Issue #3's end-to-end checks on the real Kafka, registry, Iceberg REST catalog and Spark: the four
// services as processes (kill -9 is real), the test ingesting through the engine and reading the tables
// back. Every run has its own topic prefix, consumer groups and namespaces. The stack's Prometheus scrapes
// the services for the whole run; issue #5's dashboards and alerts are checked against it at the end.

// The runner's pause hook (SUMMARY_RUNNER_PAUSE_DIR): a kill "while a case job runs" lands in a job for sure.
const PAUSE = mkdtempSync(join(tmpdir(), 'summary-pause-'));
const pause = new PauseHook(PAUSE);
const r = new ServicesRun({
  tag: 'e2e',
  accounts: Number(process.env.E2E_ACCOUNTS ?? 60),
  seed: Number(process.env.E2E_SEED ?? 20261122),
  batches: 9, // the kill tests use 7 of them; the scenario (and its deletes and restores) is that of 9
  components: 'kafka registry catalog prometheus',
  env: { SUMMARY_RUNNER_PAUSE_DIR: PAUSE },
});
const RUN = r.run;
const BATCHES = r.batches;

describe(`the four services on the real stack (${r.options.accounts} accounts, ${BATCHES.length} batches, seed ${r.options.seed})`, () => {
  let stack: Record<string, string>;
  let h: SparkHarness;
  let services: ServiceProcesses;
  let log: EventLog;
  let kafka: Kafka;
  let targetsFile: string | undefined;

  beforeAll(async () => {
    await r.start();
    ({ stack, h, services, log, kafka } = r);
    // Prometheus discovers the services through a file_sd file, labelled as the Kubernetes ServiceMonitors label them.
    targetsFile = join(stack.PROMETHEUS_TARGETS_DIR, `${RUN}.json`);
    writeFileSync(
      targetsFile,
      JSON.stringify(
        SERVICES.map((s) => ({ targets: [`127.0.0.1:${services.port(s)}`], labels: { job: s, service: s, run: RUN } })),
      ),
    );
  }, 10 * MINUTES);

  afterAll(async () => {
    await r.close();
    if (targetsFile) rmSync(targetsFile, { force: true });
    rmSync(PAUSE, { recursive: true, force: true });
  }, 5 * MINUTES);

  const ingestNext = () => r.ingestNext();
  const completed = (id: string) => r.completed(id);
  const expectOracle = async () => expect(await r.oracleDiffs()).toEqual([]);
  const expectNoJobTwice = async () => expect(await r.jobsRunTwice()).toEqual([]);

  it(
    'runs a history load and a mixed batch through all four services to exactly the oracle',
    async () => {
      for (let i = 0; i < 2; i++) {
        const id = await ingestNext();
        const done = await completed(id);
        expect(done.status).toBe('COMPLETED');
        const planned = log.of('case-batch-planned', id);
        expect(planned.map((p) => [p.sequence, p.case])).toEqual([
          [0, 'CASE_III'],
          [1, 'CASE_I'],
          [2, 'CASE_II'],
        ]);
        const states = log.of('job-state-changed', id);
        for (const p of planned) {
          const mine = states.filter((s) => s.case === p.case).map((s) => s.state);
          expect(mine).toEqual(p.skipped ? ['SKIPPED'] : ['SUBMITTED', 'RUNNING', 'SUCCEEDED']);
        }
        await expectOracle();
        // SPEC §4a: the months the batch deleted and restored, as the oracle counts them.
        const counted = softDeleteCounts(ALT_ORACLE_SPEC, BATCHES.slice(0, r.ingested))[r.ingested - 1];
        expect({ id, deleted: done.deleted, restored: done.restored }).toEqual({ id, ...counted });
      }
      // The mixed batch has deletes and restores (seed 20261122: 8 and 1), and the plan counted its delete rows.
      const mixedDone = log.completed(batchIdOf(2))!;
      expect(mixedDone.deleted).toBeGreaterThan(0);
      expect(mixedDone.restored).toBeGreaterThan(0);
      expect(log.of('case-batch-planned', batchIdOf(2)).reduce((n, p) => n + p.deletes, 0)).toBeGreaterThanOrEqual(
        mixedDone.deleted,
      );
      // The mixed batch really is mixed: every case ran, and the invalid rows were counted.
      const mixed = log.of('case-batch-planned', batchIdOf(2));
      expect(
        mixed
          .filter((p) => !p.skipped)
          .map((p) => p.case)
          .sort(),
      ).toEqual(['CASE_I', 'CASE_II', 'CASE_III']);
      // The auditor merged every event once (MERGE by event id).
      const audit = h.config.tables.audit.sql;
      const want = log.events.length;
      const [row] = await waitFor(
        'the audit table to hold every event',
        async () => {
          const rows = await h.runner.query(`SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ${audit}`);
          return Number(rows[0].n) >= want ? rows : undefined;
        },
        3 * MINUTES,
      );
      expect(Number(row.n)).toBe(Number(row.d));
      expect(await services.metrics('auditor')).toMatch(
        /summary_case_records_total\{case="CASE_II",service="auditor"\} [1-9]/,
      );
      expect(await services.metrics('auditor')).toMatch(
        /summary_soft_deletes_total\{kind="deleted",service="auditor"\} [1-9]/,
      );
      await expectNoJobTwice();
    },
    20 * MINUTES,
  );

  // One poison message on the watermark topic first (the other topics' poison is faults.int-spec's): the
  // classifier dead-letters it and goes on with the two batches behind it.
  it(
    'sends a poison message to the dead-letter topic and goes on, keeping two batches ingested back to back in order',
    async () => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: `${RUN}.watermark-advanced`,
        messages: [{ key: 'poison', value: Buffer.from('not avro at all') }],
      });
      await producer.disconnect();
      const dead = await waitFor('the classifier to dead-letter the poison', () =>
        log.dead.find(
          (d) => d.topic === `${RUN}.watermark-advanced.dlq` && d.headers['dlq-group'] === `${RUN}.classifier`,
        ),
      );
      expect(dead.headers['dlq-reason']).toMatch(/PoisonMessageError/);
      expect(dead.value?.toString()).toBe('not avro at all');

      const first = await ingestNext();
      await waitFor(`watermark of ${first}`, () => log.of('watermark-advanced', first)[0]);
      const second = await ingestNext();
      const [a, b] = [await completed(first), await completed(second)];
      expect([a.status, b.status]).toEqual(['COMPLETED', 'COMPLETED']);
      const windows = [first, second].map((id) => log.of('watermark-advanced', id)[0]);
      expect(windows[1].sourceStartSnapshotId).toBe(windows[0].sourceEndSnapshotId);
      // The second batch is classified only after the first completed, and its jobs start after.
      expect(log.of('case-batch-planned', second)[0].occurredAt).toBeGreaterThanOrEqual(a.occurredAt);
      const order = log.events
        .filter((e) => e.event === 'job-state-changed')
        .map((e) => e.value.batchId)
        .filter((id) => id === first || id === second);
      expect(order.lastIndexOf(first)).toBeLessThan(order.indexOf(second));
      expect(await services.metrics('classifier')).toMatch(
        /summary_dead_letters_total\{topic="[^"]+watermark-advanced",service="classifier"\} 1/,
      );
      await expectOracle();
    },
    20 * MINUTES,
  );

  // Two kills a batch, each at its own point of the batch's path: the watcher right after the ingest and
  // then the classifier once the (restarted) watcher's watermark arrives; the dispatcher while a case job
  // runs and then the auditor, which is auditing the batch's plan and job states meanwhile.
  type Kill = [ServiceName, string];
  const KILL_ROUNDS: Array<[Kill, Kill]> = [
    [
      ['ingest-watcher', 'right after the ingest'],
      ['classifier', 'right after the watermark arrives'],
    ],
    [
      ['spark-dispatcher', 'while a case job runs'],
      ['auditor', 'while it audits the batch'],
    ],
  ];
  const killName = ([service, when]: Kill) => `${service} ${when}`;

  it.each(KILL_ROUNDS.map((round) => [round.map(killName).join(', then of '), round] as const))(
    'survives kill -9 of %s: no loss, no job twice, same result',
    async (_name, round) => {
      // The dispatcher dies in its first case job, after the job's writes and before its ledger commit.
      const inJob = round.some(([service]) => service === 'spark-dispatcher');
      if (inJob) pause.arm('release caches');
      const id = await ingestNext();
      for (const [service] of round) {
        if (service === 'spark-dispatcher') {
          const job = await pause.paused('release caches');
          expect(job.startsWith(`${id}-CASE_`)).toBe(true);
        }
        if (service === 'classifier') await waitFor(`watermark of ${id}`, () => log.of('watermark-advanced', id)[0]);
        if (service === 'auditor') await waitFor(`the plan of ${id}`, () => log.of('case-batch-planned', id)[0]);
        await services.kill(service);
        pause.release('release caches'); // its runner died with it
        services.start(service);
        await waitFor(
          `${service} to be ready again`,
          async () => ((await services.ready(service)) ? true : undefined),
          5 * MINUTES,
        );
      }
      expect((await completed(id)).status).toBe('COMPLETED');
      expect(log.of('watermark-advanced', id)).toHaveLength(1); // the watcher neither skipped nor repeated a window
      await expectOracle();
      await expectNoJobTwice();
    },
    20 * MINUTES,
  );

  it(
    'has every dashboard panel query and alert expression valid on a real Prometheus scraping the services, with data where data exists',
    async () => {
      const prometheus = new PrometheusApi(stack.PROMETHEUS_URL);
      await waitFor(
        'Prometheus to scrape the four services',
        async () => {
          const up = await prometheus.query(`count(up{run="${RUN}"} == 1)`);
          return Number((up.result[0] as { value?: [number, string] } | undefined)?.value?.[1]) === SERVICES.length
            ? true
            : undefined;
        },
        2 * MINUTES,
      );
      const declared = new Set<string>();
      const queries = [
        ...dashboardQueries(join(REPO, 'deploy/grafana/dashboards')),
        ...alertQueries(join(REPO, 'deploy/prometheus/alerts.yaml')),
      ];
      // Eventually: the auditor restarted by the previous test may still be catching up, and Prometheus
      // scrapes every few seconds. The findings of the last attempt are what fails the test.
      let findings: string[];
      for (const deadline = Date.now() + 2 * MINUTES; ; await new Promise((r) => setTimeout(r, 5000))) {
        for (const s of SERVICES) for (const name of declaredMetrics(await services.metrics(s))) declared.add(name);
        findings = await checkQueries(prometheus, queries, declared);
        if (findings.length === 0 || Date.now() > deadline) break;
      }
      expect(findings).toEqual([]);
      // What the run did shows in the panels' series: batches completed, records of every case, the poison in
      // its DLQ. Over the run (max_over_time), since a service killed by the previous tests restarts its counters.
      const series = async (expr: string) => (await prometheus.query(expr)).result.length;
      expect(await series(`max(max_over_time(summary_batches_total{status="COMPLETED",run="${RUN}"}[1h])) > 0`)).toBe(
        1,
      );
      expect(await series(`max by (case) (max_over_time(summary_case_records_total{run="${RUN}"}[1h])) > 0`)).toBe(3);
      expect(await series(`max(max_over_time(summary_dead_letter_messages{run="${RUN}"}[1h])) > 0`)).toBe(1);
      expect(await series(`max(max_over_time(summary_soft_deletes_total{kind="deleted",run="${RUN}"}[1h])) > 0`)).toBe(
        1,
      );
      // The check can fail: a misspelt metric and an expression that does not parse are both reported.
      const broken = await checkQueries(
        prometheus,
        [
          { where: 'misspelt', kind: 'panel', expr: 'sum(increase(summary_batchez_total[1h]))' },
          { where: 'unparsable', kind: 'alert', expr: 'max(summary_watermark_age_seconds > 3600' },
        ],
        declared,
      );
      expect(broken).toEqual([
        expect.stringMatching(/^misspelt: selects summary_batchez_total/),
        expect.stringMatching(/^unparsable: does not evaluate/),
      ]);
    },
    5 * MINUTES,
  );

  it(
    '`summary-pipeline run` on the first two batches gives the oracle result and audits the same facts with the same values',
    async () => {
      // The auditor restarted by the kill test re-reads what it had not committed: let it catch up with every
      // event the run published before the services stop, or the comparison below sees its lag, not a loss.
      const published = new Set(log.events.map((e) => e.value.eventId)).size;
      await waitFor(
        'the audit table to hold every event of the run',
        async () => {
          const [row] = await h.runner.query(`SELECT count(DISTINCT event_id) AS d FROM ${h.config.tables.audit.sql}`);
          return Number(row.d) >= published ? true : undefined;
        },
        5 * MINUTES,
      );
      await services.stopAll();
      // The history load and the mixed batch (every case, invalid rows, deletes and restores) state every kind
      // of fact; the CLI runs those two, not all the run's batches (a quarter of the time).
      const compared = [batchIdOf(1), batchIdOf(2)];
      const cli = await startHarness(withNamespace(`${RUN}cli`), {}, mkdtempSync(join(tmpdir(), 'summary-e2e-cli-')), {
        catalogType: 'rest',
        catalogUri: stack.ICEBERG_REST_URI,
      });
      try {
        await cli.pipeline.init();
        for (let i = 0; i < compared.length; i++) {
          await cli.ingest(BATCHES[i]);
          await cli.pipeline.runPending();
        }
        const expected = oracle(ALT_ORACLE_SPEC, BATCHES.slice(0, compared.length));
        expect(diffRows(await cli.summary(), expected.summary, summaryKey)).toEqual([]);
        expect(diffRows(await cli.latest(), expected.latest, latestKey)).toEqual([]);
        // One audit vocabulary (issue 12): each fact the CLI states, the services state with the same event
        // type, status, rows and watermark. The services also state submissions and the attempts their kills
        // caused; the ids differ by the source table's namespace; times and attempts are per run.
        const facts = async (x: SparkHarness) => {
          const rows = await x.runner.query(
            `SELECT event_type, batch_id, \`case\`, status, rows, watermark FROM ${x.config.tables.audit.sql} ` +
              `WHERE status NOT IN ('SUBMITTED', 'RUNNING') AND batch_id IN (${compared.map((id) => `'${id}'`).join(', ')})`,
            100_000,
          );
          return [
            ...new Set(
              rows.map((row) =>
                JSON.stringify([row.event_type, row.batch_id, row.case, row.status, row.rows, row.watermark]),
              ),
            ),
          ].sort();
        };
        const [byServices, byCli] = [await facts(h), await facts(cli)];
        expect(byCli.length).toBeGreaterThan(compared.length * 6); // per batch: watermark, 3 plans, 3 job states, completion
        expect(byCli.filter((f) => !byServices.includes(f))).toEqual([]);
        expect(byServices.filter((f) => !byCli.includes(f))).toEqual([]);
      } finally {
        await cli.close();
      }
    },
    20 * MINUTES,
  );
});
