import { CASE_ORDER } from '@app/domain';
import { BatchOutcome } from '@app/engine';
import { DryRunPlan, PipelineStats } from '@app/table-ops';

export function printOutcome(o: BatchOutcome, log: (m: string) => void): void {
  log(
    `batch ${o.batchId} done in ${(o.durationMs / 1000).toFixed(1)} s (source snapshots ` +
      `(${o.sourceStartSnapshotId ?? 'beginning'}, ${o.sourceEndSnapshotId}], ` +
      `watermark ${o.counts.watermark ?? '-'})`,
  );
  for (const c of o.cases) {
    log(
      `  ${c.case.padEnd(8)} ${c.status.padEnd(17)} source rows ${String(c.rows).padStart(8)}  ` +
        `applied ${String(c.applied).padStart(8)}  stale ${String(c.stale).padStart(6)}  ` +
        `written ${String(c.written).padStart(8)}  deleted ${String(c.deleted).padStart(6)}  ` +
        `restored ${String(c.restored).padStart(6)}  ${(c.durationMs / 1000).toFixed(1)} s`,
    );
  }
  if (o.maintenance)
    log(
      `  maintenance ${o.maintenance.calls.length ? o.maintenance.calls.join('; ') : 'nothing due'} (${(o.maintenance.durationMs / 1000).toFixed(1)} s)`,
    );
}

/** Human-readable dry run on stdout: counts, then each job's statements in order. */
export function printPlan(plan: DryRunPlan, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    return;
  }
  const out: string[] = [];
  if (!plan.batchId || !plan.counts) {
    out.push(`Nothing pending: source snapshot ${plan.sourceEndSnapshotId ?? '(none)'} is processed.`);
  } else {
    const c = plan.counts;
    out.push(
      `-- Batch ${plan.batchId}: source snapshots (${plan.sourceStartSnapshotId ?? 'beginning'}, ${plan.sourceEndSnapshotId}]`,
    );
    out.push(`-- input rows ${c.inputRows}, watermark ${c.watermark ?? '-'}, rejects ${JSON.stringify(c.rejects)}`);
    for (const k of CASE_ORDER) {
      const months = c.cases[k].rows ? `, months ${c.cases[k].minMonth}..${c.cases[k].maxMonth}` : '';
      const deletes = c.deletes[k] ? `, of them ${c.deletes[k]} delete(s)` : '';
      out.push(`-- ${k}: ${c.cases[k].rows} row(s)${months}${deletes}`);
    }
    // SPEC §4a: the batch's delete rows (in-batch winners with a delete code); whether each withdraws a
    // month is decided by base_ts when the case runs (an older delete changes nothing).
    out.push(`-- deletes: ${CASE_ORDER.reduce((n, k) => n + c.deletes[k], 0)}`);
    for (const job of plan.jobs) {
      out.push('', `-- ===== job ${job.jobId}: ${job.description}`);
      for (const step of job.steps) {
        out.push(`-- step: ${step.name}`);
        if (step.kind === 'incremental_view')
          out.push(
            `-- temp view ${step.view} = rows appended to ${step.table} in snapshots (${step.startSnapshotId ?? 'beginning'}, ${step.endSnapshotId}]`,
          );
        else if (step.kind === 'ledger_table')
          out.push(`-- ledger table ${step.table} (created by the runner if missing)`);
        else out.push(`${step.sql};`);
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

const bytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1 << 20
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1 << 30
        ? `${(n / (1 << 20)).toFixed(1)} MiB`
        : `${(n / (1 << 30)).toFixed(2)} GiB`;

/** `stats` for a person, on stderr through the CLI's log. */
export function printStats(s: PipelineStats, log: (m: string) => void): void {
  log(
    `summary: ${s.summary.rows} row(s), ${s.summary.accounts} account(s), ${s.summary.months} ` +
      `month(s) ${s.summary.minMonth ?? '-'}..${s.summary.maxMonth ?? '-'}, ` +
      `max base_ts ${s.summary.maxBaseTs ?? '-'}`,
  );
  log(`latest: ${s.latest.rows} row(s)`);
  log(
    `${'table'.padEnd(8)} ${'snapshots'.padStart(9)} ${'data files'.padStart(10)} ${'size'.padStart(10)} ${'delete files'.padStart(12)}  name`,
  );
  for (const t of s.tables) {
    const files = `${String(t.dataFiles).padStart(10)} ${bytes(t.dataBytes).padStart(10)} ${String(t.deleteFiles).padStart(12)}`;
    log(`${t.table.padEnd(8)} ${String(t.snapshots).padStart(9)} ${files}  ${t.name}`);
  }
  log(
    `rejects: ${s.rejects.total}${
      s.rejects.total
        ? ` (${Object.entries(s.rejects.byReason)
            .map(([r, n]) => `${r} ${n}`)
            .join(', ')})`
        : ''
    }`,
  );
  const b = s.lastCommittedBatch;
  log(
    b
      ? `last committed batch: ${b.batchId}, watermark ${b.watermark ?? '-'}, source snapshot ${b.sourceEndSnapshotId}`
      : 'last committed batch: none',
  );
  const p = s.pending;
  const unclassified = p.unclassifiedSnapshots === null ? 'an unknown number of' : String(p.unclassifiedSnapshots);
  log(
    `pending: source at snapshot ${p.sourceSnapshotId ?? '(none)'}, ` +
      `classified up to ${p.classifiedUpTo ?? '(nothing)'}: ${unclassified} source snapshot(s) not classified` +
      `; ${p.unfinishedBatch ? `batch ${p.unfinishedBatch.batchId} unfinished (${p.unfinishedBatch.stage}; \`run\` finishes it)` : 'no unfinished batch'}`,
  );
}
