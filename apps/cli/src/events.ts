import { Kafka } from 'kafkajs';
import { EnvReader, createKafka, createRegistry, kafkaSettingsFromEnv } from '@app/common';
import { CaseBatchPlanned, DecodedEvent, EventCodec, readerGroupId, topicAccess } from '@app/contracts';
import { isBatchId, parseBatchId } from '@app/lifecycle';

const say = (message: string) => process.stderr.write(`[events] ${message}\n`);
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

interface BatchView {
  planned: CaseBatchPlanned[];
  durations: Record<string, number>;
  attempts: Record<string, number>;
  written: Record<string, number>;
}

/**
 * Follows the pipeline's topics (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX) from the beginning and
 * prints one line per event; with `untilBatches`, returns after that many batches completed (for scripts).
 * Resolves false when a batch FAILED.
 */
export async function followEvents(options: { untilBatches?: number; quietBefore?: number }): Promise<boolean> {
  const env = new EnvReader();
  const settings = kafkaSettingsFromEnv(env, 'summary-pipeline-cli');
  env.done();
  const kafka: Kafka = createKafka(settings);
  const codec = new EventCodec(createRegistry(settings), { topicPrefix: settings.topicPrefix });
  // What the CLI (the toolbox's principal) may read, and in which groups: contracts/topic-access.json.
  const access = topicAccess('cli');
  const consumer = kafka.consumer({ groupId: readerGroupId(access, settings.topicPrefix) });
  const batches = new Map<string, BatchView>();
  let completed = 0;
  let ok = true;
  await consumer.connect();
  await consumer.subscribe({ topics: access.reads.map((e) => codec.contracts[e].topic), fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const e = await codec.decode(message.value).catch(() => null);
        if (!e) return;
        // By batch sequence, not by arrival: the topics are read concurrently, so an old batch's watermark
        // may arrive after a later batch completed.
        // An id of another shape is never quiet: it is shown, as whatever else the topic holds.
        const quiet =
          options.quietBefore !== undefined &&
          isBatchId(e.value.batchId) &&
          parseBatchId(e.value.batchId) <= options.quietBefore;
        const line = describe(e, batches);
        if (line && !quiet) say(line);
        if (e.event === 'batch-completed') {
          completed++;
          if (e.value.status === 'FAILED') ok = false;
          if (!quiet) printSummary(e.value.batchId, batches.get(e.value.batchId));
          if (options.untilBatches !== undefined && completed >= options.untilBatches) resolve();
        }
      },
    });
  });
  const stop = () => resolve_();
  let resolve_: () => void = () => undefined;
  const interrupted = new Promise<void>((r) => (resolve_ = r));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.race([done, interrupted]);
  await consumer.disconnect();
  return ok;
}

function view(batches: Map<string, BatchView>, id: string): BatchView {
  let v = batches.get(id);
  if (!v) batches.set(id, (v = { planned: [], durations: {}, attempts: {}, written: {} }));
  return v;
}

function describe(e: DecodedEvent, batches: Map<string, BatchView>): string | null {
  const v = e.value;
  switch (e.event) {
    case 'watermark-advanced': {
      const w = e.value;
      return `${w.batchId} new source data: snapshots (${w.sourceStartSnapshotId ?? 'beginning'}, ${w.sourceEndSnapshotId}], max base_ts ${w.watermark ?? '-'}`;
    }
    case 'case-batch-planned': {
      const p = e.value;
      view(batches, p.batchId).planned.push(p);
      const rejects = Object.entries(p.rejects)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const head =
        p.sequence === 0
          ? `${p.batchId} classified: ${p.inputRows} row(s)${rejects ? `, rejected ${rejects}` : ''}; `
          : `${p.batchId} `;
      return `${head}${p.case} ${p.skipped ? 'skipped (no rows)' : `${p.rows} source row(s), months ${p.minMonth}..${p.maxMonth}`}`;
    }
    case 'job-state-changed': {
      const j = e.value;
      const b = view(batches, j.batchId);
      b.attempts[j.case] = j.attempt;
      if (j.state === 'SUCCEEDED' || j.state === 'FAILED') b.durations[j.case] = j.durationMs ?? 0;
      if (j.state === 'SUCCEEDED' && j.rowsWritten !== null) b.written[j.case] = j.rowsWritten;
      if (j.state === 'SKIPPED' || j.state === 'SUBMITTED') return null;
      const attempt = j.attempt > 1 ? ` (attempt ${j.attempt})` : '';
      const done = j.state === 'SUCCEEDED' ? ` in ${secs(j.durationMs)}, ${j.rowsWritten} summary row(s) written` : '';
      return `${j.batchId} ${j.case} ${j.state}${attempt}${done}${j.error ? `: ${j.error}` : ''}`;
    }
    case 'batch-completed':
      return `${v.batchId} ${e.value.status} in ${secs(e.value.durationMs)}`;
  }
}

/**
 * One case of a batch's summary: the source rows classified into it and the summary rows its job wrote (a
 * case rewrites later months too, so the second is the larger), e.g.
 * `  CASE_III committed  source rows     1005  written     7243  12.3 s`.
 */
export function summaryLine(
  p: Pick<CaseBatchPlanned, 'case' | 'skipped' | 'rows'>,
  b: Pick<BatchView, 'durations' | 'attempts' | 'written'>,
): string {
  const d = b.durations[p.case];
  const written = b.written[p.case];
  const attempts = (b.attempts[p.case] ?? 1) > 1 ? `  attempts ${b.attempts[p.case]}` : '';
  return (
    `  ${p.case.padEnd(8)} ${p.skipped ? 'skipped  ' : 'committed'}  source rows ${String(p.rows).padStart(8)}  ` +
    `written ${String(written ?? '-').padStart(8)}  ${d === undefined ? '' : secs(d)}${attempts}`
  ).trimEnd();
}

function printSummary(id: string, b: BatchView | undefined): void {
  if (!b) return;
  for (const p of b.planned) {
    say(summaryLine(p, b));
  }
}
