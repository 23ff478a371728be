import { BenchDocument } from './document';

const num = (n: number) => n.toLocaleString('en-US');
const s = (x: number) => x.toFixed(2);
const sig = (x: number) => (x === 0 ? '0' : x.toPrecision(3));

export function amplificationLines(d: BenchDocument): string[] {
  const a = d.write_amplification;
  const modes = (['copy-on-write', 'merge-on-read'] as const).filter((m) => a[m]);
  if (!modes.length) return [];
  const each = modes.map(
    (m) =>
      `${m}${m === a.mode ? ' (default)' : ''} ${a[m]!.ratio ?? '–'} ` +
      `(${num(a[m]!.rows_written)} rows written by the case jobs for ${num(a[m]!.rows_changed)} rows changed)`,
  );
  return [
    `Summary write amplification (rows written ÷ rows whose content changed, by time travel): ${each.join('; ')}.`,
    '',
  ];
}

export function sustainedLines(d: BenchDocument): string[] {
  const t = d.sustained;
  if (!t) return [];
  const out = [
    `## Sustained: ${t.batches} consecutive daily batches on one table (${d.incremental.mode}, runPending's own maintenance)`,
    '',
  ];
  out.push(
    `First batch ${s(t.first_s)} s, last ${s(t.last_s)} s; ` +
      `maintenance ${s(t.maintenance_s_per_day)} s a day on average; ` +
      `daily cost (batch + maintenance) ${s(t.daily_cost_s)} s. ` +
      `Then ${num(t.summary_rows)} summary rows; ` +
      `full scan ${s(t.reads.full_scan.before_s)} s vs ${s(t.reads.full_scan.after_s)} s after a full ` +
      `compaction (${t.full_scan_ratio}×, compaction ${s(t.reads.compaction_s)} s); ` +
      `one account's history (key ${t.reads.point_key}) ${s(t.reads.point_read.before_s)} s vs ${s(t.reads.point_read.after_s)} s (${t.point_read_ratio}×).`,
    '',
  );
  out.push('| day | batch s | maintenance s | records | CASE_III / CASE_I / CASE_II |', '|---|---:|---:|---:|---:|');
  for (const day of t.days)
    out.push(
      `| ${day.day} | ${s(day.batch_s)} | ${day.maintenance_calls ? s(day.maintenance_s) : '–'} ` +
        `| ${num(day.records)} | ${day.cases.CASE_III} / ${day.cases.CASE_I} ` +
        `/ ${day.cases.CASE_II}${day.as_generated ? '' : ' (not as generated)'} |`,
    );
  out.push('');
  return out;
}

export function coldRunLines(d: BenchDocument): string[] {
  const c = d.cold_run;
  if (!c) return [];
  const parts = Object.entries(c.breakdown).map(([k, v]) => `${k.replace(/_s$/, '')} ${s(v)}`);
  return [
    `## Cold run: ${s(c.small_batch_s)} s (${s(c.min_s)}–${s(c.max_s)})`,
    '',
    `A fresh \`summary-pipeline run\` process, spawn to exit, ` +
      `on a ${num(c.batch_records)}-record mixed batch over ${num(c.summary_rows)} rows ` +
      `(prepared with the CLI). Where the time goes (median s): ${parts.join(', ')}.`,
    '',
  ];
}

export function costModelLines(d: BenchDocument): string[] {
  const m = d.cost_model;
  if (!m) return [];
  const p = m.projection;
  return [
    '## Cost model (least squares over the scaling runs)',
    '',
    `seconds ≈ ${sig(m.fixed_s)} + ${sig(m.per_batch_record_s)} × batch records ` +
      `+ ${sig(m.per_table_row_s)} × summary rows (R² ${m.r2}, ${m.points.length} points).`,
    '',
    p
      ? `**Projection, not a measurement:** ${num(p.batch_rows)} records over ${num(p.summary_rows)} ` +
        `summary rows on ${p.cluster}: ~${num(p.seconds)} s. Assumes ${p.assumption}.`
      : `Projection: ${m.projection_note}.`,
    '',
  ];
}
