import { CLASSIFY_STEP, COUNTS, MONTH_INT, PLAN } from '@app/compiler';
import { PipelineConfig, columnModel, quoteIdent as q, quoteString as lit } from '@app/config';
import { compareBatchIds, isBatchId } from '@app/lifecycle';
import { parseCounts } from '@app/engine';
import { JsonRow } from '@app/runner-client';
import type { SummaryPipeline } from '@app/engine';

/**
 * The pipeline's own state, checked and repaired (issue 10). Two writers at once (before the lease, or a
 * tool that bypassed it) leave: a batch classified twice (two committed classify rows), its staged rows
 * and rejects doubled — after which every case job of the batch fails with DUPLICATED_MAP_KEY, for good —
 * and possibly source windows classified twice. `validate` reports each; `repair` fixes the first three.
 */

export interface Violation {
  check: string;
  count: number;
  sample: Record<string, unknown>[];
}

/** One ledger row as `integrity` reads it (superseded rows excluded). */
export interface LedgerRow {
  batchId: string;
  step: string;
  status: string;
  recordedAt: string;
  result: { collected?: Record<string, JsonRow[]> } | null;
}

export interface CommittedTwice {
  batchId: string;
  step: string;
  /** recorded_at of the first committed row: it stays, every later row of (batch, step) is superseded. */
  keptAt: string;
  later: number;
}

/**
 * (batch, step)s with more than one committed row, oldest committed row first.
 *   [c@1, s@2, c@3] of (b-1, classify) → { keptAt: 1, later: 2 } (the second attempt's rows)
 */
export function committedTwice(rows: LedgerRow[]): CommittedTwice[] {
  const groups = new Map<string, LedgerRow[]>();
  for (const r of rows)
    groups.set(`${r.batchId}\u0000${r.step}`, [...(groups.get(`${r.batchId}\u0000${r.step}`) ?? []), r]);
  const out: CommittedTwice[] = [];
  for (const group of groups.values()) {
    const committed = group
      .filter((r) => r.status === 'committed')
      .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    if (committed.length < 2) continue;
    const keptAt = committed[0].recordedAt;
    out.push({
      batchId: committed[0].batchId,
      step: committed[0].step,
      keptAt,
      later: group.filter((r) => r.recordedAt > keptAt).length,
    });
  }
  return out.sort((a, b) => a.batchId.localeCompare(b.batchId) || a.step.localeCompare(b.step));
}

export interface BatchWindow {
  batchId: string;
  start: string | null;
  end: string;
  /** Rejects its (first) classify counted. */
  rejects: number;
}

/** Each batch's source window and reject count from its first committed classify row, in batch order. */
export function batchWindows(rows: LedgerRow[]): BatchWindow[] {
  const first = new Map<string, LedgerRow>();
  for (const r of rows) {
    if (r.step !== CLASSIFY_STEP || r.status !== 'committed' || !isBatchId(r.batchId)) continue;
    const seen = first.get(r.batchId);
    if (!seen || r.recordedAt < seen.recordedAt) first.set(r.batchId, r);
  }
  return [...first.values()]
    .sort((a, b) => compareBatchIds(a.batchId, b.batchId))
    .map((r) => {
      const plan = r.result?.collected?.[PLAN]?.[0] ?? {};
      const counts = parseCounts(r.result?.collected?.[COUNTS] ?? []);
      return {
        batchId: r.batchId,
        start: (plan.source_start_snapshot_id as string | null | undefined) ?? null,
        end: String(plan.source_end_snapshot_id),
        rejects: Object.values(counts.rejects).reduce((a, b) => a + b, 0),
      };
    });
}

/**
 * Batches whose window does not continue the previous batch's: each batch must start where the one
 * before ended (SPEC §5: every source row processed once). `[(∅,5], (∅,5]]` → b-2 overlaps b-1.
 */
export function overlappingWindows(
  windows: BatchWindow[],
): { batchId: string; start: string | null; previousEnd: string | null }[] {
  const out: { batchId: string; start: string | null; previousEnd: string | null }[] = [];
  windows.forEach((w, i) => {
    const previousEnd = i === 0 ? null : windows[i - 1].end;
    if (w.start !== previousEnd) out.push({ batchId: w.batchId, start: w.start, previousEnd });
  });
  return out;
}

/** Staged rows the same (batch, key, month) appears in more than once. */
export function duplicateStagedQuery(config: PipelineConfig): string {
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  return `SELECT batch_id, ${key}, ${month}, count(*) AS n FROM ${config.tables.batches.sql} GROUP BY batch_id, ${key}, ${month} HAVING count(*) > 1`;
}

export async function readLedger(pipeline: SummaryPipeline): Promise<LedgerRow[]> {
  const rows = await pipeline.runner.query(
    `SELECT batch_id, step, status, CAST(recorded_at AS STRING) AS recorded_at,
       CASE WHEN step = ${lit(CLASSIFY_STEP)} AND status = 'committed' THEN result END AS result
     FROM ${pipeline.config.tables.ledger.sql} WHERE status <> 'superseded'`,
    10_000_000,
  );
  return rows.map((r) => ({
    batchId: String(r.batch_id),
    step: String(r.step),
    status: String(r.status),
    recordedAt: String(r.recorded_at),
    result: typeof r.result === 'string' ? JSON.parse(r.result) : null,
  }));
}

async function rejectsPerBatch(pipeline: SummaryPipeline): Promise<Map<string, { n: number; first: string }>> {
  const rows = await pipeline.runner.query(
    `SELECT batch_id, count(*) AS n, CAST(min(rejected_at) AS STRING) AS first FROM ${pipeline.config.tables.rejects.sql} GROUP BY batch_id`,
    10_000_000,
  );
  return new Map(rows.map((r) => [String(r.batch_id), { n: Number(r.n), first: String(r.first) }]));
}

/** What `validate` adds to the table checks: the ledger and the staged batches. */
export async function integrityViolations(pipeline: SummaryPipeline): Promise<Violation[]> {
  const ledger = await readLedger(pipeline);
  const twice = committedTwice(ledger);
  const windows = batchWindows(ledger);
  const overlaps = overlappingWindows(windows);
  const rejects = await rejectsPerBatch(pipeline);
  const extraRejects = windows
    .filter((w) => (rejects.get(w.batchId)?.n ?? 0) > w.rejects)
    .map((w) => ({ batch_id: w.batchId, counted: w.rejects, stored: rejects.get(w.batchId)!.n }));
  const dupSql = duplicateStagedQuery(pipeline.config);
  const dupCount = Number((await pipeline.runner.query(`SELECT count(*) AS n FROM (${dupSql})`))[0].n);
  const dupSample = dupCount ? await pipeline.runner.query(`${dupSql} LIMIT 5`) : [];
  const v = (check: string, sample: Record<string, unknown>[], count = sample.length): Violation => ({
    check,
    count,
    sample: sample.slice(0, 5),
  });
  return [
    v(
      'two committed ledger rows for one (batch, step)',
      twice.map((t) => ({ batch_id: t.batchId, step: t.step, first_committed_at: t.keptAt })),
    ),
    v('duplicate staged (batch, key, month)', dupSample, dupCount),
    v('rejects of a batch beyond what its classify counted', extraRejects),
    v(
      'batch source window does not continue the previous batch (overlap or gap)',
      overlaps.map((o) => ({ batch_id: o.batchId, start: o.start, previous_end: o.previousEnd })),
    ),
  ];
}

export interface RepairAction {
  what: string;
  sql: string[];
}

/**
 * The statements that bring an older version's jammed state back (idempotent: a repaired pipeline plans
 * nothing). Per batch: later ledger rows of a (batch, step) committed twice → `superseded` (the first
 * commit stays; its recorded result is the one the next batches were planned from); staged rows rewritten
 * distinct (two classifies of one batch stage identical rows); rejects beyond the first classify's removed
 * (each classify stamps its own rejected_at). Overlapping windows are reported, not repaired: see
 * docs/runbook.md.
 */
export async function planRepair(pipeline: SummaryPipeline): Promise<{ actions: RepairAction[]; notes: string[] }> {
  const { config } = pipeline;
  const ledger = await readLedger(pipeline);
  const actions: RepairAction[] = [];
  for (const t of committedTwice(ledger)) {
    actions.push({
      what: `ledger: ${t.batchId} ${t.step} committed twice; the ${t.later} row(s) after its first commit (${t.keptAt}) are marked superseded`,
      sql: [
        `UPDATE ${config.tables.ledger.sql} SET status = 'superseded' WHERE batch_id = ${lit(t.batchId)} ` +
          `AND step = ${lit(t.step)} AND status <> 'superseded' AND recorded_at > CAST(${lit(t.keptAt)} AS TIMESTAMP)`,
      ],
    });
  }
  const dupBatches = await pipeline.runner.query(
    `SELECT DISTINCT batch_id FROM (${duplicateStagedQuery(config)}) ORDER BY batch_id`,
    1_000_000,
  );
  const model = columnModel(config);
  const cols = ['case', MONTH_INT, ...model.prepared].map(q).join(', ');
  for (const { batch_id } of dupBatches) {
    const b = lit(String(batch_id));
    actions.push({
      what: `staging: ${batch_id} has duplicate (key, month) rows; its partition is rewritten with distinct rows`,
      sql: [
        `CACHE TABLE \`__repair_staged\` AS SELECT DISTINCT ${cols} FROM ${config.tables.batches.sql} WHERE batch_id = ${b}`,
        `INSERT OVERWRITE ${config.tables.batches.sql} PARTITION (batch_id = ${b}) SELECT ${cols} FROM \`__repair_staged\``,
        'UNCACHE TABLE IF EXISTS `__repair_staged`',
      ],
    });
  }
  const rejects = await rejectsPerBatch(pipeline);
  for (const w of batchWindows(ledger)) {
    const stored = rejects.get(w.batchId);
    if (!stored || stored.n <= w.rejects) continue;
    actions.push({
      what:
        `rejects: ${w.batchId} holds ${stored.n} reject row(s), its classify counted ${w.rejects}; ` +
        `rows from later classifies (after ${stored.first}) are deleted`,
      sql: [
        `DELETE FROM ${config.tables.rejects.sql} WHERE batch_id = ${lit(w.batchId)} AND rejected_at > CAST(${lit(stored.first)} AS TIMESTAMP)`,
      ],
    });
  }
  const notes = overlappingWindows(batchWindows(ledger)).map(
    (o) =>
      `not repaired: ${o.batchId} starts at source snapshot ${o.start ?? '(beginning)'}, ` +
      `but the batch before it ended at ${o.previousEnd ?? '(beginning)'}; ` +
      `see docs/runbook.md "Repairing a jammed pipeline"`,
  );
  return { actions, notes };
}

/** Runs a plan's statements in order; a failure stops the repair (run it again: every step is idempotent). */
export async function runRepair(
  pipeline: SummaryPipeline,
  actions: RepairAction[],
  progress: (m: string) => void,
): Promise<void> {
  for (const a of actions) {
    progress(a.what);
    for (const sql of a.sql) await pipeline.runner.query(sql);
  }
}
