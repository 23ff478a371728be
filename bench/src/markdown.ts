import { CASE_ORDER } from '@app/domain';
import { BenchDocument } from './document';
import { JobResultSummary, RunResult, stepLine } from './report';
import { Timing } from './stats';
import { amplificationLines, coldRunLines, costModelLines, sustainedLines } from './markdown-sections';

const num = (n: number) => n.toLocaleString('en-US');
const s = (x: number) => x.toFixed(2);
const range = (t: Timing) => `${s(t.median_s)} (${s(t.min_s)}–${s(t.max_s)})`;

function table(head: string[], rows: (string | number)[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function caseRows(r: RunResult): (string | number)[][] {
  const row = (name: string, c: JobResultSummary) => [
    name,
    num(c.rows),
    range(c),
    c.rows ? num(c.records_per_s) : '–',
    num(c.rows_added),
    num(c.rows_removed),
    `${num(c.data_files_added)} / ${num(c.data_files_removed)}`,
    num(c.delete_files_added),
    num(c.overhead_ms),
  ];
  const rows = Object.entries(r.cases).map(([k, c]) => row(k, c!));
  rows.push([
    '**total**',
    num(r.batch_rows),
    `**${range(r)}**`,
    num(r.records_per_s),
    num(r.rows_added),
    num(r.rows_removed),
    `${num(r.data_files_added)} / ${num(r.data_files_removed)}`,
    num(r.delete_files_added),
    '',
  ]);
  return rows;
}

const CASE_HEAD = [
  'job',
  'records',
  'time s, median (min–max)',
  'records/s',
  'rows added',
  'rows removed (rewritten)',
  'data files added / removed',
  'delete files',
  'bookkeeping ms',
];

/** Issue 23's section: the delete batch with report rows and unbounded history beside the plain one. */
export function reportBatchLines(b: NonNullable<BenchDocument['report_batch']>): string[] {
  const vs =
    b.ratio === null || b.plain_median_s === null
      ? 'the plain batch was not measured'
      : `${b.ratio}× the plain batch's ${s(b.plain_median_s)} s (target ≤ 1.3×: ${b.ratio <= 1.3 ? 'met' : '**MISSED**'})`;
  const r = b.report;
  return [
    `## The batch with ${num(b.report_rows)} report rows and unbounded history (SPEC §4b, §4c): ${range(b)} s — ${vs}`,
    '',
    `The delete batch's ${num(b.records)} records (${num(b.deletes)} deletes) ` +
      `with ${num(b.report_rows)} report rows in the same batch: ${num(b.vetoes)} vetoes of its deletes, ` +
      `${num(b.batch_cells)} on its other cells, ${num(b.existing_cells)} on existing cells of accounts ` +
      `it leaves alone; the unbounded-history table kept once per batch, in its last case job. ` +
      `Classify: ${num(r.read)} report rows read, ${num(r.vetoes)} vetoes, ${num(r.reresolved)} cells ` +
      `re-resolved, ${num(r.unmatched)} unmatched, ${num(r.rejected)} rejected; ` +
      `${num(b.deleted)} month(s) deleted; unbounded history ${num(b.unbounded_rows)} rows, latest ${num(b.latest_rows)}. ` +
      `Its tables are copies of the base set's (summary and latest before the batch) in a namespace of their own` +
      (b.summary_data_files
        ? ` (summary data files: ${b.summary_data_files.base ?? '?'} in the base set, ${b.summary_data_files.copy ?? '?'} in the copy).`
        : '.'),
    '',
    ...table(CASE_HEAD, caseRows(b)),
    '',
  ];
}

/** The markdown report: the same figures as latest.json, as tables. */
export function renderMarkdown(d: BenchDocument): string {
  const e = d.environment;
  const p = d.parameters;
  const out: string[] = [];
  out.push(`# Benchmark: ${e.date.slice(0, 10)}, scale ${p.scale}, ${p.repeat} repeat(s)`, '');
  out.push(
    `${e.cores} cores (${e.cpu}), ${e.memory_gib} GiB; Node ${e.node}, Java ${e.java}, Python ${e.python}, Spark ${e.spark}, Iceberg ${e.iceberg}; ` +
      `Spark ${e.spark_master}, driver memory ${e.driver_memory}, ${e.shuffle_partitions} shuffle partitions. Config ${p.config}, seed ${p.seed}.`,
    '',
  );
  out.push(
    `Data: ${num(d.data.accounts)} accounts, ${num(d.data.summary_rows)} summary rows ` +
      `(seed 000 §9 at scale 1: ${num(p.reference.accounts)} accounts, ${num(p.reference.summaryRows)} rows). ` +
      `Batch: ${num(d.data.batch.rows)} records = ${num(d.data.batch.newAccounts)} new accounts ` +
      `(CASE_I), ${num(d.data.batch.forward)} forward ` +
      `(CASE_II), ${num(d.data.batch.backfill)} backfills/corrections (CASE_III). ` +
      `Initial load (classify + CASE_I): ${s(d.initial_load.seconds)} s, ${num(d.initial_load.rows_per_s)} rows/s.`,
    '',
  );
  out.push(
    'Times are medians over the repeats with min–max; each run starts from the same table snapshots. Seconds of wall time.',
    '',
  );

  out.push('## Targets (issue #9)', '');
  out.push(
    ...table(
      ['target', 'wanted', 'measured', 'met'],
      d.targets.map((t) => [
        t.description,
        t.target,
        t.measured + (t.note ? ` — ${t.note}` : ''),
        t.met === null ? '–' : t.met ? 'yes' : '**no**',
      ]),
    ),
    '',
  );

  out.push(`## Incremental batch (${d.incremental.mode}, the tables' default): ${range(d.incremental)} s`, '');
  out.push(...table(CASE_HEAD, caseRows(d.incremental)), '');
  out.push(
    `Outside the jobs (ledger and snapshot queries of the ` +
      `orchestration): ${range(d.incremental.orchestration_s)} s. ` +
      `Maintenance runPending ran after the batch (not included above): ${range(d.incremental.maintenance_s)} s.`,
    '',
  );
  out.push(...amplificationLines(d));

  if (d.delete_batch) {
    const b = d.delete_batch;
    out.push(
      `## The batch with ${num(b.deletes)} deletes (SPEC §4a): ${range(b)} s — ${b.vs_incremental}× the incremental batch`,
      '',
    );
    out.push(
      `The same ${num(b.batch_rows)} records with ${num(b.deletes)} of the backfills replaced by deletes ` +
        `of existing months (soft delete on): ${num(b.deleted)} month(s) deleted.`,
      '',
    );
    out.push(...table(CASE_HEAD, caseRows(b)), '');
  }
  if (d.report_batch) out.push(...reportBatchLines(d.report_batch));
  if (d.full_rebuild) {
    out.push(
      `## Full rebuild baseline: ${range(d.full_rebuild)} s — the incremental batch is ${d.full_rebuild.speedup}× faster`,
      '',
    );
    out.push(`Fresh tables filled by classify + CASE_I from all ${num(d.full_rebuild.source_rows)} source rows.`, '');
    out.push(...table(CASE_HEAD, caseRows(d.full_rebuild)), '');
  }
  for (const c of d.checks) out.push(`- check **${c.name}**: ${c.ok ? 'equal' : '**DIFFERENT**'} (${c.detail})`);
  if (d.checks.length) out.push('');

  const cow = d.write_modes['copy-on-write'];
  const mor = d.write_modes['merge-on-read'];
  if (cow && mor) {
    out.push(`## Copy-on-write vs merge-on-read (summary and latest; ${d.incremental.mode} is the default)`, '');
    const modes: [string, RunResult][] = [
      ['copy-on-write', cow],
      ['merge-on-read', mor],
    ];
    const label = (name: string) => (name === d.incremental.mode ? `${name} (default)` : name);
    const head = [
      'mode',
      'total s',
      ...Object.keys(mor.cases).map((k) => `${k} s`),
      'data files removed',
      'delete files added',
      'write amplification',
    ];
    out.push(
      ...table(
        head,
        modes.map(([name, r]) => [
          label(name),
          range(r),
          ...Object.keys(mor.cases).map((k) =>
            r.cases[k as keyof RunResult['cases']] ? s(r.cases[k as keyof RunResult['cases']]!.median_s) : '–',
          ),
          num(r.data_files_removed),
          num(r.delete_files_added),
          d.write_amplification[name as 'copy-on-write' | 'merge-on-read']?.ratio ?? '–',
        ]),
      ),
      '',
    );
  }

  if (d.scaling.table.length) {
    out.push('## Same batch, growing summary', '');
    out.push(
      ...table(
        ['factor', 'summary rows', 'batch', 'time s', 'CASE_III s', 'CASE_II s', 'records/s'],
        d.scaling.table.map((t) => [
          `${t.factor}×`,
          num(t.summary_rows),
          num(t.batch_rows),
          range(t),
          s(t.cases.CASE_III ?? 0),
          s(t.cases.CASE_II ?? 0),
          num(t.records_per_s),
        ]),
      ),
      '',
    );
  }
  if (d.scaling.batch.length) {
    out.push('## Growing batch, base summary', '');
    out.push(
      ...table(
        ['batch records', 'summary rows', 'time s', 'classify s', ...CASE_ORDER.map((c) => `${c} s`), 'records/s'],
        d.scaling.batch.map((b) => [
          num(b.batch_rows),
          num(b.summary_rows),
          range(b),
          ...['classify', ...CASE_ORDER].map((k) => s(b.cases[k] ?? 0)),
          num(b.records_per_s),
        ]),
      ),
      '',
    );
  }

  out.push(...sustainedLines(d), ...coldRunLines(d), ...costModelLines(d));
  out.push(
    '## Where the time goes (per-step medians of the incremental batch, ms; Spark jobs and commits per step)',
    '',
  );
  for (const [name, c] of Object.entries(d.incremental.cases)) {
    out.push(
      `- **${name}** (${s(c!.median_s)} s): ${c!.steps.map((st) => stepLine(st, num)).join(', ')}; runner bookkeeping ${num(c!.overhead_ms)}`,
    );
  }
  if (d.overhead.noop_job_wall_ms)
    out.push(
      `- a no-op job under the ledger: ${num(d.overhead.noop_job_wall_ms.median)} ms round trip ` +
        `(${num(d.overhead.noop_job_wall_ms.min)}–${num(d.overhead.noop_job_wall_ms.max)})`,
    );
  out.push('');
  return out.join('\n');
}
