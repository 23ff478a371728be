import { CASE_ORDER } from '@app/compiler';
import { BatchOutcome, DryRunPlan } from '@app/engine';

export function printOutcome(o: BatchOutcome, log: (m: string) => void): void {
  log(`batch ${o.batchId} done in ${(o.durationMs / 1000).toFixed(1)} s (source snapshots (${o.sourceStartSnapshotId ?? 'beginning'}, ${o.sourceEndSnapshotId}], watermark ${o.counts.watermark ?? '-'})`);
  for (const c of o.cases) {
    log(`  ${c.case.padEnd(8)} ${c.status.padEnd(17)} rows ${String(c.rows).padStart(8)}  applied ${String(c.applied).padStart(8)}  stale ${String(c.stale).padStart(6)}  written ${String(c.written).padStart(8)}  ${(c.durationMs / 1000).toFixed(1)} s`);
  }
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
    out.push(`-- Batch ${plan.batchId}: source snapshots (${plan.sourceStartSnapshotId ?? 'beginning'}, ${plan.sourceEndSnapshotId}]`);
    out.push(`-- input rows ${c.inputRows}, watermark ${c.watermark ?? '-'}, rejects ${JSON.stringify(c.rejects)}`);
    for (const k of CASE_ORDER) out.push(`-- ${k}: ${c.cases[k].rows} row(s)${c.cases[k].rows ? `, months ${c.cases[k].minMonth}..${c.cases[k].maxMonth}` : ''}`);
    for (const job of plan.jobs) {
      out.push('', `-- ===== job ${job.jobId}: ${job.description}`);
      for (const step of job.steps) {
        out.push(`-- step: ${step.name}`);
        if (step.kind === 'incremental_view') out.push(`-- temp view ${step.view} = rows appended to ${step.table} in snapshots (${step.startSnapshotId ?? 'beginning'}, ${step.endSnapshotId}]`);
        else out.push(`${step.sql};`);
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}
