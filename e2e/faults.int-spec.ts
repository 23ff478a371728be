import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_NAMES } from '@app/contracts';
import { formatBatchId as batchIdOf } from '@app/lifecycle';
import { PauseHook, cliWriter, malformedMessage, redeliver } from './faults';
import { stackDown, stackUp, waitFor } from './service-processes';
import { MINUTES, ServicesRun } from './services-run';

// Issue 10's faults on the real local stack, each ending equal to the oracle with nothing twice and nothing
// lost: a CLI `run` and `optimize` beside the services, a Kafka broker restart, the schema registry down
// (with a service restarting meanwhile), the Iceberg REST catalog down in the middle of a job (its next
// commit fails for real), the dispatcher killed between two cases, every event of a batch delivered twice,
// and a poison message on every topic a service consumes besides the watermark's (services.int-spec).
//
// A fault lands at a known point of a running job through the runner's pause hook: the test arms a step
// (a file), the job that completes that step waits until the test releases it (SUMMARY_RUNNER_PAUSE_DIR).

const PAUSE = mkdtempSync(join(tmpdir(), 'summary-pause-'));
const r = new ServicesRun({
  tag: 'flt',
  accounts: 40,
  seed: Number(process.env.E2E_SEED ?? 20261201),
  batches: 10,
  components: 'kafka registry catalog',
  env: {
    SUMMARY_RUNNER_PAUSE_DIR: PAUSE,
    // The default eight attempts, 1, 2, 4, 8, 8 … s apart instead of 5, 10, 20, 40, 60 … s: the catalog's
    // outage below ends within them.
    DISPATCHER_RETRY_BACKOFF_MS: '1000',
    DISPATCHER_RETRY_MAX_BACKOFF_MS: '8000',
    // The dispatcher's maintenance after each batch (its due check, ~15 s a batch here) is the services
    // e2e's and the layout suite's subject; the faults here are about the batches themselves.
    SUMMARY_MAINTENANCE: 'off',
  },
});

const pause = new PauseHook(PAUSE);
const arm = (step: string) => pause.arm(step);
const release = (step: string) => pause.release(step);
/** Waits for a job to pause after `step`; returns its job id. */
const paused = (step: string) => pause.paused(step);
const cli = (...args: string[]) => cliWriter(r, ...args);

describe(`faults on the real stack (${r.options.accounts} accounts, ${r.batches.length} batches, seed ${r.options.seed})`, () => {
  beforeAll(async () => {
    mkdirSync(join(r.dir, 'cli'), { recursive: true });
    await r.start();
  }, 10 * MINUTES);

  afterEach(() => {
    // A failed test must not leave a job paused or a step armed for the next one.
    pause.clear();
  });

  afterAll(async () => {
    stackUp('kafka registry catalog'); // whatever a failed test left stopped
    await r.close();
    rmSync(PAUSE, { recursive: true, force: true });
  }, 5 * MINUTES);

  async function expectDone(id: string, timeoutMs = 8 * MINUTES): Promise<void> {
    expect((await r.completed(id, timeoutMs)).status).toBe('COMPLETED');
    expect(r.log.of('watermark-advanced', id)).toHaveLength(1); // the watcher neither skipped nor repeated a window
    expect(await r.oracleDiffs()).toEqual([]);
    expect(await r.jobsRunTwice()).toEqual([]);
  }

  it(
    'a CLI run and optimize beside the services: refused naming the holder while a job runs, a waiting run takes its turn; nothing twice, the oracle',
    async () => {
      arm('release caches');
      const id = await r.ingestNext();
      const job = await paused('release caches'); // the first case job, after its writes
      const refused = await Promise.all([cli('optimize'), cli('run')]);
      for (const c of refused) {
        expect(c.code).toBe(75);
        expect(c.stderr).toMatch(/is locked by another writer: "spark-dispatcher[^"]*" on host \S+ \(pid \d+\) since /);
      }
      const waiting = cli('run', '--wait', '600');
      // The waiting run is up and polling the lease (it says so once), while the job still holds it.
      await waitFor(
        'the waiting run to poll the lease',
        () =>
          /waiting up to 600 s for the lease of .* held by "spark-dispatcher/.test(waiting.stderr()) ? true : undefined,
        5 * MINUTES,
      );
      release('release caches');
      expect(job).toMatch(new RegExp(id));
      const run = await waiting;
      expect(run.code).toBe(0);
      await expectDone(id);
      const optimized = await cli('optimize', '--wait', '300');
      expect(optimized.code).toBe(0);
      expect(await r.oracleDiffs()).toEqual([]);
    },
    20 * MINUTES,
  );

  it(
    'a Kafka broker restart while a job runs: the batch completes once',
    async () => {
      arm('release caches');
      const id = await r.ingestNext();
      const job = await paused('release caches');
      stackDown('kafka');
      release('release caches'); // the job ends while the broker is down: its events wait in the producers
      const [, step] = /^(b-\d+)-(\w+)$/.exec(job)!.slice(1);
      await waitFor(
        `${job} to commit while the broker is down`,
        async () =>
          (await r.h.pipeline.ledger()).some((e) => e.batchId === id && e.step === step && e.status === 'committed')
            ? true
            : undefined,
        5 * MINUTES,
        1000,
      );
      expect(r.log.of('job-state-changed', id).filter((s) => s.state === 'SUCCEEDED')).toEqual([]); // not heard of yet
      stackUp('kafka');
      await expectDone(id);
    },
    20 * MINUTES,
  );

  it(
    'the schema registry down, and a service restarted meanwhile: the batch completes once',
    async () => {
      stackDown('registry');
      const id = await r.ingestNext();
      await waitFor(`the watermark of ${id}`, () => r.log.of('watermark-advanced', id)[0], 3 * MINUTES); // encoded with the cached schema id
      await r.services.kill('classifier');
      const logged = readFileSync(r.services.logFile('classifier'), 'utf8').length;
      r.services.start('classifier'); // boots while the registry is down: retries until it is back
      await waitFor(
        'the restarted classifier to retry the registry',
        () =>
          /register schemas: dependency not ready, retrying/.test(
            readFileSync(r.services.logFile('classifier'), 'utf8').slice(logged),
          )
            ? true
            : undefined,
        3 * MINUTES,
      );
      expect(await r.services.ready('classifier')).toBe(false);
      stackUp('registry');
      await r.allReady();
      await expectDone(id);
    },
    20 * MINUTES,
  );

  it(
    'the catalog down in the middle of a job: its next commit fails for real, the attempt is rolled back and retried',
    async () => {
      arm('append summary');
      const id = await r.ingestNext();
      await paused('append summary'); // summary written, latest not yet
      stackDown('catalog');
      release('append summary');
      const failed = await waitFor(
        `a failed attempt of ${id}`,
        () => r.log.of('job-state-changed', id).find((s) => s.state === 'FAILED'),
        5 * MINUTES,
      );
      expect(failed.error).toBeTruthy();
      stackUp('catalog');
      await expectDone(id, 10 * MINUTES);
      const ledger = await r.h.pipeline.ledger();
      expect(ledger.filter((e) => e.batchId === id && e.step === failed.case && e.status === 'committed')).toHaveLength(
        1,
      );
    },
    20 * MINUTES,
  );

  it(
    'the dispatcher killed between two cases, its first case committed and not yet announced: ' +
      'that case is not run again, the next runs after its restart, none twice',
    async () => {
      // The exact point: the first case job's ledger commit is durable and the dispatcher has not heard of it
      // (no SUCCEEDED published, the next case not started). The paused job's runner dies with its dispatcher.
      arm('case committed');
      const id = await r.ingestNext();
      const job = await paused('case committed');
      const [, first] = /^(b-\d+)-(\w+)$/.exec(job)!.slice(1);
      expect(job.startsWith(`${id}-`)).toBe(true);
      await r.services.kill('spark-dispatcher');
      const committed = (await r.h.pipeline.ledger()).filter(
        (e) => e.batchId === id && e.step !== 'classify' && e.status === 'committed',
      );
      expect(committed.map((e) => e.step)).toEqual([first]); // the kill landed after the first case's commit, before any other case
      expect(r.log.of('job-state-changed', id).filter((s) => s.state === 'SUCCEEDED')).toEqual([]);
      release('case committed');
      r.services.start('spark-dispatcher');
      await expectDone(id);
      expect(r.log.of('case-batch-planned', id).filter((p) => !p.skipped).length).toBeGreaterThanOrEqual(2); // there was a case after the kill
      // The restarted dispatcher found the first case committed (the ledger's answer) and ran every later one.
      const succeeded = r.log
        .of('job-state-changed', id)
        .filter((s) => s.state === 'SUCCEEDED')
        .map((s) => s.case);
      expect(succeeded[0]).toBe(first);
      expect(new Set(succeeded).size).toBe(succeeded.length);
    },
    20 * MINUTES,
  );

  // Two faults of the consumers, one batch: every event of the previous batch delivered again, and a poison
  // message on every topic a service consumes besides the watermark's (services.int-spec has that one).
  it(
    'every event of a batch delivered twice and a poison message on the plan, ' +
      'job-state and completion topics: no job, plan or audit row twice, ' +
      "the poison in each group's dead-letter topic, the next batch runs",
    async () => {
      const previous = batchIdOf(r.ingested);
      const sent = r.log.events.filter((e) => e.value.batchId === previous);
      expect(new Set(sent.map((e) => e.event))).toEqual(new Set(EVENT_NAMES));
      const ids = new Set(sent.map((e) => e.value.eventId));
      const producer = r.kafka.producer();
      await producer.connect();
      await redeliver(producer, sent);
      const topics = ['case-batch-planned', 'job-state-changed', 'batch-completed'];
      for (const t of topics)
        await producer.send({
          topic: `${r.run}.${t}`,
          messages: [{ key: 'poison', value: Buffer.from(`not avro at all (${t})`) }],
        });
      // 21 bytes framed with the registry's real BatchCompleted id whose map count says 2^55: avsc alone looped on it.
      const huge = await malformedMessage(r, 'batch-completed', 'huge-count');
      expect(huge.length).toBe(21);
      await producer.send({ topic: `${r.run}.batch-completed`, messages: [{ key: 'huge-count', value: huge }] });
      await producer.disconnect();
      const consumers: Array<[string, string]> = [
        ['case-batch-planned', 'spark-dispatcher'],
        ['case-batch-planned', 'auditor'],
        ['job-state-changed', 'auditor'],
        ['batch-completed', 'auditor'],
      ];
      for (const [t, service] of consumers) {
        const dead = await waitFor(`${service} to dead-letter the poison of ${t}`, () =>
          r.log.dead.find((d) => d.topic === `${r.run}.${t}.dlq` && d.headers['dlq-group'] === `${r.run}.${service}`),
        );
        expect(dead.headers['dlq-reason']).toMatch(/PoisonMessageError/);
        expect(dead.value?.toString()).toBe(`not avro at all (${t})`);
      }
      const deadHuge = await waitFor('the auditor to dead-letter the 21-byte message with the huge count', () =>
        r.log.dead.find((d) => d.topic === `${r.run}.batch-completed.dlq` && d.value?.equals(huge)),
      );
      expect(deadHuge.headers['dlq-reason']).toMatch(
        /^PoisonMessageError: .*a block of \d+ item\(s\), more than the bytes left can hold/,
      );
      const id = await r.ingestNext();
      await expectDone(id);
      // The duplicates arrived (the log saw each twice or more: the classifier re-publishes a known plan with
      // the same ids) and made no event with a new id for the old batch.
      for (const e of sent)
        expect(r.log.events.filter((x) => x.value.eventId === e.value.eventId).length).toBeGreaterThanOrEqual(2);
      expect(new Set(r.log.events.filter((e) => e.value.batchId === previous).map((e) => e.value.eventId))).toEqual(
        ids,
      );
      const audit = r.h.config.tables.audit.sql;
      const [row] = await waitFor(
        'the audit table to hold both batches',
        async () => {
          const rows = await r.h.runner.query(
            `SELECT count(*) AS n, count(DISTINCT event_id) AS d, count_if(batch_id = '${id}') AS mine FROM ${audit}`,
          );
          return Number(rows[0].mine) > 0 && Number(rows[0].n) >= new Set(r.log.events.map((e) => e.value.eventId)).size
            ? rows
            : undefined;
        },
        3 * MINUTES,
      );
      expect(Number(row.n)).toBe(Number(row.d));
    },
    20 * MINUTES,
  );
});
