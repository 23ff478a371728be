import { waitFor } from '../service-processes';
import { MINUTES, ServicesRun } from '../services-run';
import { Check } from './report';

// What the soak asserts at its end: nothing lost, nothing twice, nothing stuck (issue 25's "Done when").

export interface EndState {
  checks: Check[];
  /** Null when the checks did not run (the run failed before its end). */
  rowsLost: number | null;
  equalToOracle: boolean;
}

export async function endChecks(
  r: ServicesRun,
  days: number,
  malformed: Buffer[],
  killedBeforeLedger: string[],
): Promise<EndState> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { h } = r;

  const ingested = r.batches.slice(0, r.ingested).reduce((n, b) => n + b.length, 0);
  const [{ n: sourceRows }] = await h.runner.query(`SELECT count(*) AS n FROM ${h.config.sourceTable.sql}`);
  const lostAtIngest = Math.max(0, ingested - Number(sourceRows));
  add(
    'every ingested row is in the source table',
    Number(sourceRows) === ingested,
    `${sourceRows} source rows, ${ingested} ingested`,
  );

  const diffs = await r.oracleDiffs(1_000_000);
  const missing = diffs.filter((d) => d.startsWith('missing ')).length;
  add(
    'summary and latest equal the oracle of everything ingested',
    diffs.length === 0,
    diffs.length === 0
      ? `${r.ingested} batches`
      : `${diffs.length} difference(s), e.g. ${diffs.slice(0, 3).join('; ')}`,
  );

  const announced = [...new Set(r.log.of('watermark-advanced').map((w) => w.batchId))].sort();
  // Re-sent events keep their ids: a window the watcher announced twice would have a second event id.
  const repeated = announced.filter((id) => new Set(r.log.of('watermark-advanced', id).map((w) => w.eventId)).size > 1);
  add(
    'one batch announced per day, none skipped or repeated',
    announced.length === days && repeated.length === 0,
    `${announced.length} batch id(s) for ${days} day(s): ${announced[0]} ` +
      `… ${announced[announced.length - 1]}${repeated.length ? `; announced twice: ${repeated.join(', ')}` : ''}`,
  );
  const failed = announced.filter((id) => !r.log.of('batch-completed', id).some((c) => c.status === 'COMPLETED'));
  add(
    'every batch COMPLETED',
    failed.length === 0,
    failed.length ? `not completed: ${failed.join(', ')}` : `${announced.length} batches`,
  );

  // The watcher's watermark is the source's last snapshot: nothing ingested waits unannounced.
  const last = r.log.of('watermark-advanced').find((w) => w.batchId === announced[announced.length - 1]);
  const current = await h.pipeline.currentSnapshot(h.config.sourceTable);
  add(
    "the watcher's watermark is the source's last snapshot",
    last?.sourceEndSnapshotId === current,
    `last window ends at ${last?.sourceEndSnapshotId}, source at ${current}`,
  );

  // The ledger is complete: every batch's classify and every case its plan did not skip, committed once.
  const ledger = await h.pipeline.ledger();
  const committed = new Set(ledger.filter((e) => e.status === 'committed').map((e) => `${e.batchId}/${e.step}`));
  const owed = announced.flatMap((id) =>
    [
      'classify',
      ...new Set(
        r.log
          .of('case-batch-planned', id)
          .filter((p) => !p.skipped)
          .map((p) => p.case),
      ),
    ].map((step) => `${id}/${step}`),
  );
  const open = owed.filter((k) => !committed.has(k));
  add(
    'the ledger holds a commit of every classify and every planned case',
    open.length === 0,
    open.length ? `uncommitted: ${open.slice(0, 10).join(', ')}` : `${owed.length} job(s)`,
  );
  // A job killed between its data commits and its ledger row: that attempt was rolled back, a later one committed.
  const retried = await Promise.all(
    killedBeforeLedger.map(async (job) => {
      const [, batchId, step] = /^(b-\d+)-(\w+)$/.exec(job) ?? [];
      const rows = await h.runner.query(
        `SELECT max(attempt) AS attempts, count_if(status = 'committed') AS commits ` +
          `FROM ${h.config.tables.ledger.sql} WHERE batch_id = '${batchId}' AND step = '${step}'`,
      );
      return { job, attempts: Number(rows[0].attempts), commits: Number(rows[0].commits) };
    }),
  );
  const notRetried = retried.filter((j) => j.attempts < 2 || j.commits !== 1);
  add(
    'each job killed before its ledger row ran again and committed once',
    notRetried.length === 0,
    retried.map((j) => `${j.job}: ${j.attempts} attempt(s), ${j.commits} commit(s)`).join('; ') || 'no such fault',
  );
  const twice = await r.jobsRunTwice();
  add('no job committed twice', twice.length === 0, twice.length ? JSON.stringify(twice.slice(0, 5)) : 'none');

  // Audit rows for every batch: every event id the run published (the log's view) is in the audit table.
  const published = new Map<string, Set<string>>();
  for (const e of r.log.events)
    published.set(e.value.batchId, (published.get(e.value.batchId) ?? new Set()).add(e.value.eventId));
  let unaudited: string[] = [];
  try {
    await waitFor(
      'the auditor to audit every event of the run',
      async () => {
        const rows = await h.runner.query(`SELECT DISTINCT event_id FROM ${h.config.tables.audit.sql}`, 10_000_000);
        const audited = new Set(rows.map((row) => String(row.event_id)));
        unaudited = [...published].flatMap(([id, events]) =>
          [...events].filter((e) => !audited.has(e)).map((e) => `${id}/${e}`),
        );
        return unaudited.length === 0 ? true : undefined;
      },
      5 * MINUTES,
      5000,
    );
  } catch {
    // unaudited says what is missing
  }
  const withoutAudit = announced.filter((id) => unaudited.some((u) => u.startsWith(`${id}/`)));
  add(
    'audit rows for every batch (every published event audited)',
    unaudited.length === 0,
    unaudited.length
      ? `${unaudited.length} event(s) not audited, of batches ${withoutAudit.join(', ')}`
      : `${[...published.values()].reduce((n, s) => n + s.size, 0)} events of ${published.size} batches`,
  );

  // No good event dead-lettered: every dead letter is one of the injector's malformed messages, and each of those was dead-lettered.
  const good = r.log.dead.filter((d) => !malformed.some((m) => d.value?.equals(m)));
  add(
    'no good event dead-lettered',
    good.length === 0,
    good.length
      ? `${good.length}: ${good
          .slice(0, 3)
          .map((d) => `${d.topic} ${d.headers['dlq-reason']?.slice(0, 120)}`)
          .join('; ')}`
      : `${r.log.dead.length} dead letter(s), all injected`,
  );
  const kept = malformed.filter((m) => !r.log.dead.some((d) => d.value?.equals(m)));
  add(
    'every malformed message dead-lettered',
    kept.length === 0,
    `${malformed.length - kept.length} of ${malformed.length}`,
  );
  return { checks, rowsLost: missing + lostAtIngest, equalToOracle: diffs.length === 0 };
}
