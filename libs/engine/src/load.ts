import { CASE_ORDER } from '@app/domain';
import {
  IngestOptions,
  WATERMARK_PROPERTY,
  withStagedJsonl,
  LOAD_PART_PROPERTY,
  LoadOptions,
  LoadPart,
  loadColumns,
  loadId,
  planLoadParts,
} from '@app/ingest';
import { BatchOutcome, Progress, SummaryPipeline } from './pipeline';
import { SnapshotRow, readSnapshots } from './snapshots';

export interface LoadPartOutcome extends LoadPart {
  /** `already_appended`: a commit of an earlier run of the same load carries this part (resume). */
  status: 'appended' | 'already_appended' | 'empty';
  rows: number;
  snapshotId: string | null;
  batches: BatchOutcome[];
}

export interface LoadReport {
  loadId: string;
  file: string;
  /** Batches of work that was pending before the first part (an interrupted load, other appends). */
  pendingBefore: BatchOutcome[];
  parts: LoadPartOutcome[];
}

/** Parts of load `id` that source snapshots already carry: part number → snapshot id. */
export function appendedParts(snapshots: SnapshotRow[], id: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of snapshots) {
    const [load, part] = (s.summary[LOAD_PART_PROPERTY] ?? '').split('/');
    if (load === id) out.set(Number(part), s.id);
  }
  return out;
}

/** `batch b-000002: 40 input, 1 rejected, CASE_III 0, CASE_I 39, CASE_II 0` */
export function describeBatch(b: BatchOutcome): string {
  const rejected = Object.values(b.counts.rejects).reduce((x, y) => x + y, 0);
  return `batch ${b.batchId}: ${b.counts.inputRows} input, ${rejected} rejected, ${CASE_ORDER.map((c) => `${c} ${b.counts.cases[c].rows}`).join(', ')}`;
}

/**
 * `summary-pipeline load`: the seeds' initial / forward / backfill modes as source commits. The file is
 * checked and staged once by the ingest's reader (as `ingest` does: ingest.ts), split into parts
 * (load-plan.ts), and each part is appended from the staged file as ONE source commit, followed by
 * `runPending()` unless `run` is off: one part, one batch. The result equals a plain ingest + run of the
 * same rows (SPEC §4: it depends only on the rows ingested).
 *
 * Resumable: each commit carries `summary-pipeline.load-part = <loadId>/<n>/<count>`; a rerun of the same
 * file with the same options first runs what is pending, then appends only the parts no source snapshot
 * carries yet. Expiring the source's snapshots (`optimize --include-source`) forgets those markers, so
 * finish a load before that.
 */
export async function runLoad(
  pipeline: SummaryPipeline,
  file: string,
  options: LoadOptions,
  progress: Progress = () => undefined,
  ingest: IngestOptions = {},
): Promise<LoadReport> {
  const { config, runner } = pipeline;
  const columns = loadColumns(config, options);
  const schema = await pipeline.sourceSchema();
  const allowMissing = [...config.ingestOptionalColumns, ...(ingest.allowMissing ?? [])];
  return withStagedJsonl(file, schema, { ...ingest, allowMissing, distinctOf: columns.month }, async (staged) => {
    const parts = planLoadParts(options, columns, staged.distinct);
    const id = loadId(staged.sha256, options);
    const appended = appendedParts(await readSnapshots(runner, config.sourceTable), id);
    progress(
      `load ${id}: ${staged.rows} row(s) of ${file} in ${parts.length} part(s)${appended.size ? `, ${appended.size} appended by an earlier run` : ''}`,
    );

    const report: LoadReport = { loadId: id, file, pendingBefore: [], parts: [] };
    if (options.run) report.pendingBefore = await pipeline.runPending();
    for (const part of parts) {
      const head = `load: part ${part.number}/${part.count} (${part.label})`;
      const earlier = appended.get(part.number);
      if (earlier !== undefined) {
        report.parts.push({ ...part, status: 'already_appended', rows: 0, snapshotId: earlier, batches: [] });
        progress(`${head}: already appended as snapshot ${earlier}`);
        continue;
      }
      // 'true' for a part without a predicate: the runner then skips an empty part like any other.
      const r = await runner.appendJsonl(
        config.sourceTable.plain,
        staged.path,
        schema,
        staged.rows,
        { [LOAD_PART_PROPERTY]: `${id}/${part.number}/${part.count}` },
        {
          where: part.where ?? 'true',
          watermark: { column: columns.ts, property: WATERMARK_PROPERTY },
        },
      );
      if (r.rows === 0) {
        report.parts.push({ ...part, status: 'empty', rows: 0, snapshotId: null, batches: [] });
        progress(`${head}: no rows, nothing committed`);
        continue;
      }
      const batches = options.run ? await pipeline.runPending() : [];
      report.parts.push({ ...part, status: 'appended', rows: r.rows, snapshotId: r.snapshotId, batches });
      const ran = batches.length
        ? `; ${batches.map(describeBatch).join('; ')}`
        : options.run
          ? ''
          : ' (not run: --no-run)';
      progress(`${head}: ${r.rows} row(s) appended as snapshot ${r.snapshotId}${ran}`);
    }
    return report;
  });
}
