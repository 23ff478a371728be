// fast-check scenarios of raw source rows for ALT_CONFIG (source names id, per, lts, aod, bal, dpd, st,
// opn). An account's plan is a list of abstract actions per batch ("backfill a gap", "stale correction",
// ...); a deterministic interpreter turns them into rows against what the account has delivered so far.
// The random part stays plain data, so fast-check shrinks it, and an action whose target does not exist
// yet (a correction of an account without rows) falls back to a forward month.
import * as fc from 'fast-check';
import type { Row } from './oracle';
import { monthIndex, monthLabel } from './oracle';

export interface ScenarioOptions {
  /** Accounts in the scenario (each gets a plan; some start in a later batch). */
  accounts: number;
  batches: number;
  /** Most actions of one account in one batch; default 3. */
  maxActionsPerBatch?: number;
  /** Id of the first account; default 5 000 000 000, beyond INT, since the key is a BIGINT. */
  firstId?: number;
  /** Range of the accounts' first months; default 2022-01 … 2024-12. */
  firstMonthFrom?: string;
  firstMonthTo?: string;
}

type Defect = 'nullId' | 'month13' | 'month00' | 'twoDigitYear' | 'nullMonth' | 'nullTs';
type Nulls = 'none' | 'bal' | 'dpd' | 'both';

interface Values {
  aodDay: number | null;
  bal: number | null;
  dpd: number | null;
  st: string | null;
  opn: string | null;
  /** Delete code column of an ordinary row: NULL or a value that is not a delete code (SPEC §4a). */
  del: number | null;
  tsOffset: number;
}

type Action =
  | { kind: 'forward'; steps: number[] }
  | { kind: 'backfill'; picks: number[] }
  | { kind: 'ancient'; back: number }
  | { kind: 'correct'; pick: number; stale: boolean; nulls: Nulls }
  | { kind: 'redeliver'; pick: number; changed: boolean }
  | { kind: 'lateOld'; pick: number; ageDays: number }
  | { kind: 'duplicate'; pick: number; changed: boolean }
  | { kind: 'invalid'; defect: Defect }
  | { kind: 'delete'; pick: number; target: DeleteTarget; code: number }
  | { kind: 'restore'; pick: number; inBatch: 'no' | 'restoreWins' | 'deleteWins' };

/** SPEC §4a situations: a past month, the latest month, a month beyond latest, a key never seen, every month. */
type DeleteTarget = 'past' | 'latest' | 'beyond' | 'unknown' | 'all';

type Step = Action & { values: Values[] };

interface AccountPlan {
  startBatch: number;
  firstMonth: number;
  /** Runs first in the start batch, so every account has at least one valid row. */
  opening: Step;
  batches: Step[][];
}

/** A raw row before formatting: the month as an index (or a literal bad label), ts in epoch seconds. */
interface Draft {
  id: number | null;
  month: number | string | null;
  ts: number | null;
  aod: string | null;
  bal: number | null;
  dpd: number | null;
  st: string | null;
  opn: string | null;
  del: number | null;
}

/** Delete codes of ALT_CONFIG.soft_delete (as INT values of `del`). */
const DELETE_CODES = [1, 4];
/** A delete for an unknown key uses this account's id plus the offset: a key no other row has. */
const UNKNOWN_KEY_OFFSET = 1_000_000_000;

const DAY = 86_400;
const BATCH_SPACING = 7 * DAY;
const BATCH_WINDOW = 6 * DAY; // rows of batch b load in [base(b), base(b) + 6 days): windows never overlap
const EPOCH = Date.UTC(2026, 0, 5) / 1000;
const HISTORY = 6;
const VALUES_PER_STEP = 3;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const dateArb = (fromYear: number, toYear: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: fromYear, max: toYear }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
    .map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);

const valuesArb: fc.Arbitrary<Values> = fc.record({
  aodDay: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 1, max: 28 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  bal: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: 250_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, -999) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: -500, max: -2 }) },
  ),
  dpd: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 29 }) },
    { weight: 2, arbitrary: fc.integer({ min: 30, max: 59 }) },
    { weight: 2, arbitrary: fc.integer({ min: 60, max: 365 }) },
    { weight: 1, arbitrary: fc.constantFrom(29, 30, 59, 60) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  st: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('O', 'C', 'D', 'W') },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  opn: fc.oneof(
    { weight: 10, arbitrary: dateArb(1990, 2024) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: dateArb(1, 999) },
    { weight: 1, arbitrary: fc.constantFrom('0999-12-31', '1000-01-01') },
  ),
  del: fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(0, 2) }),
  tsOffset: fc.integer({ min: 0, max: BATCH_WINDOW - 1 }),
});

/** Month distance of a forward step: mostly adjacent, sometimes a gap, sometimes one of ≥ 5. */
const stepArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.integer({ min: 2, max: 4 }) },
  { weight: 2, arbitrary: fc.integer({ min: 5, max: 9 }) },
);

const countedArb = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> =>
  fc.tuple(fc.integer({ min: 1, max: 3 }), arb, arb, arb).map(([n, ...items]) => items.slice(0, n));

const pickArb = fc.nat({ max: 1_000 });

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('forward' as const), steps: countedArb(stepArb) }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('backfill' as const), picks: countedArb(pickArb) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('ancient' as const), back: fc.nat({ max: 12 }) }) },
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant('correct' as const),
      pick: pickArb,
      stale: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      nulls: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Nulls>('none') },
        { weight: 2, arbitrary: fc.constantFrom<Nulls>('bal', 'dpd', 'both') },
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: pickArb, changed: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('lateOld' as const),
      pick: pickArb,
      ageDays: fc.integer({ min: 3, max: 60 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: pickArb, changed: fc.boolean() }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('invalid' as const),
      defect: fc.constantFrom<Defect>('nullId', 'month13', 'month00', 'twoDigitYear', 'nullMonth', 'nullTs'),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      pick: pickArb,
      target: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom<DeleteTarget>('past', 'latest') },
        { weight: 2, arbitrary: fc.constantFrom<DeleteTarget>('beyond', 'unknown') },
        { weight: 1, arbitrary: fc.constant<DeleteTarget>('all') },
      ),
      code: fc.constantFrom(...DELETE_CODES),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('restore' as const),
      pick: pickArb,
      inBatch: fc.constantFrom('no' as const, 'no' as const, 'restoreWins' as const, 'deleteWins' as const),
    }),
  },
);

const withValues = (arb: fc.Arbitrary<Action>): fc.Arbitrary<Step> =>
  fc
    .tuple(arb, fc.array(valuesArb, { minLength: VALUES_PER_STEP, maxLength: VALUES_PER_STEP }))
    .map(([action, values]) => ({ ...action, values }));

const stepArbFull = withValues(actionArb);
const openingArb = withValues(fc.record({ kind: fc.constant('forward' as const), steps: countedArb(stepArb) }));

/**
 * Batches of raw ALT source rows. At ≥ 200 accounts × ≥ 5 batches every feature that describeScenario
 * counts occurs (scenarios.spec.ts checks a seeded sample).
 *
 * fc.sample(scenarioArb({ accounts: 2, batches: 2 }), { seed: 1, numRuns: 1 })[0]
 *   → [[{ id: 5000000001, per: '2022-06', lts: '2026-01-10 23:59:50', aod: '2022-06-01', bal: 9, dpd: 51,
 *         st: null, opn: '2018-05-27' }, …two more months of 5000000001],
 *      [{ id: 5000000001, per: '2021-12', …backfills }, …, { id: 5000000000, per: '2023-05', … }]]
 */
export function scenarioArb(opts: ScenarioOptions): fc.Arbitrary<Row[][]> {
  const firstId = opts.firstId ?? 5_000_000_000;
  const from = monthIndex(opts.firstMonthFrom ?? '2022-01');
  const to = monthIndex(opts.firstMonthTo ?? '2024-12');
  const planArb: fc.Arbitrary<AccountPlan> = fc.record({
    startBatch: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.nat({ max: opts.batches - 1 }) },
    ),
    firstMonth: fc.integer({ min: from, max: to }),
    opening: openingArb,
    batches: fc.array(fc.array(stepArbFull, { maxLength: opts.maxActionsPerBatch ?? 3 }), {
      minLength: opts.batches,
      maxLength: opts.batches,
    }),
  });
  return fc
    .array(planArb, { minLength: opts.accounts, maxLength: opts.accounts })
    .map((plans) => interpret(plans, opts.batches, firstId));
}

function interpret(plans: AccountPlan[], batchCount: number, firstId: number): Row[][] {
  const accounts = plans.map((plan, i) => new AccountInterpreter(firstId + i, plan.firstMonth));
  const batches: Row[][] = [];
  for (let b = 0; b < batchCount; b += 1) {
    const drafts: Draft[] = [];
    plans.forEach((plan, i) => {
      if (b < plan.startBatch) return;
      drafts.push(
        ...accounts[i].runBatch(b, b === plan.startBatch ? [plan.opening, ...plan.batches[b]] : plan.batches[b]),
      );
    });
    batches.push(interleave(drafts.map(format)));
  }
  return batches;
}

/** What one account has delivered (valid rows only) and the rows it emits for one batch. */
class AccountInterpreter {
  private readonly earlier = new Map<number, Draft[]>();
  private current = new Map<number, Draft[]>();
  private emitted: Draft[] = [];
  private base = EPOCH;

  constructor(
    private readonly id: number,
    private readonly firstMonth: number,
  ) {}

  runBatch(batch: number, steps: Step[]): Draft[] {
    this.base = EPOCH + batch * BATCH_SPACING;
    this.current = new Map();
    this.emitted = [];
    for (const step of steps) this.apply(step);
    for (const [month, rows] of this.current) this.earlier.set(month, [...(this.earlier.get(month) ?? []), ...rows]);
    return this.emitted;
  }

  private apply(step: Step): void {
    const [v0] = step.values;
    const months = this.months();
    if (months.length === 0 && step.kind !== 'invalid' && step.kind !== 'lateOld') {
      this.forward(step.kind === 'forward' ? step.steps : [1], step.values);
      return;
    }
    switch (step.kind) {
      case 'forward':
        return this.forward(step.steps, step.values);
      case 'backfill':
        return step.picks.forEach((pick, i) =>
          this.emit(this.backfillMonth(pick), this.windowTs(step.values[i]), step.values[i]),
        );
      case 'ancient': {
        let month = Math.min(months[0] - 1, months[months.length - 1] - HISTORY) - step.back;
        while (this.has(month)) month -= 1;
        return this.emit(month, this.windowTs(v0), v0);
      }
      case 'correct':
        return this.correct(step.pick, step.stale, step.nulls, step.values);
      case 'redeliver':
        return this.redeliver(step.pick, step.changed, step.values);
      case 'lateOld': {
        const month =
          months.length === 0
            ? this.firstMonth
            : step.pick % 3 === 0
              ? months[months.length - 1] + 1
              : this.backfillMonth(step.pick);
        return this.emit(month, this.base - step.ageDays * DAY - (v0.tsOffset % DAY), v0);
      }
      case 'duplicate':
        return this.duplicate(step.pick, step.changed, step.values);
      case 'invalid':
        return this.invalid(step.defect, v0);
      case 'delete':
        return this.delete(step.target, step.pick, step.code, v0);
      case 'restore':
        return this.restore(step.pick, step.inBatch, step.values);
    }
  }

  /** SPEC §4a deletes; an existing month is deleted with a ts above its winner's, so the delete wins. */
  private delete(target: DeleteTarget, pick: number, code: number, values: Values): void {
    const reported = this.months().filter((m) => !this.isDeleted(m));
    const all = this.months();
    if (target === 'unknown' || (reported.length === 0 && target !== 'beyond')) {
      const row = this.draft(all.length ? all[all.length - 1] : this.firstMonth, this.windowTs(values), values);
      this.emitted.push({ ...row, id: this.id + UNKNOWN_KEY_OFFSET, del: code }); // not this account's state
      return;
    }
    if (target === 'beyond') return this.deleteAt(all[all.length - 1] + 1 + (pick % 3), code, values);
    if (target === 'latest') return this.deleteAt(reported[reported.length - 1], code, values);
    if (target === 'all') return reported.forEach((m) => this.deleteAt(m, code, values));
    const past = reported.slice(0, -1);
    this.deleteAt(past.length ? past[pick % past.length] : reported[0], code, values);
  }

  /** A row without a delete code for a deleted month, above the delete's ts (optionally with a new delete first). */
  private restore(pick: number, inBatch: 'no' | 'restoreWins' | 'deleteWins', values: Values[]): void {
    const deleted = this.months().filter((m) => this.isDeleted(m));
    const reported = this.months().filter((m) => !this.isDeleted(m));
    if (inBatch === 'no' && deleted.length === 0) return this.delete('latest', pick, DELETE_CODES[pick % 2], values[0]);
    if (inBatch === 'no') return this.restoreAt(deleted[pick % deleted.length], values[1]);
    // A delete and a restore of one (key, month) in this batch; the greater ts wins.
    const candidates = deleted.length ? deleted : reported;
    if (candidates.length === 0) return this.forward([1], values);
    const month = candidates[pick % candidates.length];
    const base = Math.max(this.windowTs(values[0]), this.winnerTs(month) + 1);
    const remove = {
      ...this.draft(month, inBatch === 'restoreWins' ? base : base + 1, values[0]),
      del: DELETE_CODES[pick % 2],
    };
    const restore = { ...this.draft(month, inBatch === 'restoreWins' ? base + 1 : base, values[1]), del: null };
    this.push(remove);
    this.push(restore);
  }

  private deleteAt(month: number, code: number, values: Values): void {
    const ts = Math.max(this.windowTs(values), this.winnerTs(month) + 1);
    this.push({ ...this.draft(month, ts, values), del: code });
  }

  private restoreAt(month: number, values: Values): void {
    const ts = Math.max(this.windowTs(values), this.winnerTs(month) + 1);
    this.push({ ...this.draft(month, ts, values), del: values.del });
  }

  /** Whether the month's newest row so far carries a delete code (its winner, ties aside). */
  private isDeleted(month: number): boolean {
    const rows = this.rowsAt(month);
    if (rows.length === 0) return false;
    const newest = rows.reduce((a, b) => ((b.ts ?? 0) >= (a.ts ?? 0) ? b : a));
    return newest.del !== null && DELETE_CODES.includes(newest.del);
  }

  private winnerTs(month: number): number {
    return Math.max(0, ...this.rowsAt(month).map((r) => r.ts ?? 0));
  }

  private forward(steps: number[], values: Values[]): void {
    const months = this.months();
    let month = months.length === 0 ? this.firstMonth - steps[0] : months[months.length - 1];
    steps.forEach((step, i) => {
      month += step;
      this.emit(month, this.windowTs(values[i]), values[i]);
    });
  }

  /** A month never delivered below the latest: a gap month while there is one, else just before the first. */
  private backfillMonth(pick: number): number {
    const months = this.months();
    const gaps: number[] = [];
    for (let m = months[0] + 1; m < months[months.length - 1]; m += 1) if (!this.has(m)) gaps.push(m);
    if (gaps.length > 0) return gaps[pick % gaps.length];
    let month = months[0] - 1 - (pick % 2);
    while (this.has(month)) month -= 1;
    return month;
  }

  private correct(pick: number, stale: boolean, nulls: Nulls, values: Values[]): void {
    const months = [...this.earlier.keys()].sort((a, b) => a - b);
    if (months.length === 0) return this.forward([1], values);
    const month = months[pick % months.length];
    const winnerTs = Math.max(...this.rowsAt(month).map((r) => r.ts ?? 0));
    const ts = stale
      ? winnerTs - 1 - (values[0].tsOffset % (10 * DAY))
      : Math.max(this.windowTs(values[0]), winnerTs + 1);
    const sentinelOrNull = pick % 2 === 0 ? null : -999;
    const row = this.draft(month, ts, values[0]);
    if (nulls === 'bal' || nulls === 'both') row.bal = sentinelOrNull;
    if (nulls === 'dpd' || nulls === 'both') row.dpd = null;
    this.push(row);
  }

  private redeliver(pick: number, changed: boolean, values: Values[]): void {
    const rows = [...this.earlier.values()].flat();
    if (rows.length === 0) return this.forward([1], values);
    const original = rows[pick % rows.length];
    this.push(changed ? this.variant(original, values[0]) : { ...original });
  }

  private duplicate(pick: number, changed: boolean, values: Values[]): void {
    if (this.current.size === 0) this.forward([1], values.slice(1));
    const rows = [...this.current.values()].flat();
    const original = rows[pick % rows.length];
    this.push(changed ? this.variant(original, values[0]) : { ...original });
  }

  private invalid(defect: Defect, values: Values): void {
    const months = this.months();
    const month = months.length === 0 ? this.firstMonth : months[months.length - 1] + 1;
    const row = this.draft(month, this.windowTs(values), values);
    const year = monthLabel(month).slice(0, 4);
    if (defect === 'nullId') row.id = null;
    if (defect === 'month13') row.month = `${year}-13`;
    if (defect === 'month00') row.month = `${year}-00`;
    if (defect === 'twoDigitYear') row.month = monthLabel(month).slice(2);
    if (defect === 'nullMonth') row.month = null;
    if (defect === 'nullTs') row.ts = null;
    this.emitted.push(row); // never part of the account's state: the pipeline rejects it
  }

  /** Same id, month and ts as `original`, other values from `values` (forced to differ in balance). */
  private variant(original: Draft, values: Values): Draft {
    const row = this.draft(original.month as number, original.ts, values);
    if (
      row.bal === original.bal &&
      row.aod === original.aod &&
      row.dpd === original.dpd &&
      row.st === original.st &&
      row.opn === original.opn
    ) {
      row.bal = (original.bal ?? 0) + 1;
    }
    return row;
  }

  private emit(month: number, ts: number, values: Values): void {
    this.push(this.draft(month, ts, values));
  }

  private push(row: Draft): void {
    const month = row.month as number;
    this.current.set(month, [...(this.current.get(month) ?? []), row]);
    this.emitted.push(row);
  }

  private draft(month: number, ts: number | null, v: Values): Draft {
    const aod = v.aodDay === null ? null : `${monthLabel(month)}-${pad(v.aodDay)}`;
    return { id: this.id, month, ts, aod, bal: v.bal, dpd: v.dpd, st: v.st, opn: v.opn, del: v.del };
  }

  private windowTs(values: Values): number {
    return this.base + values.tsOffset;
  }

  private rowsAt(month: number): Draft[] {
    return [...(this.earlier.get(month) ?? []), ...(this.current.get(month) ?? [])];
  }

  private has(month: number): boolean {
    return this.earlier.has(month) || this.current.has(month);
  }

  private months(): number[] {
    return [...new Set([...this.earlier.keys(), ...this.current.keys()])].sort((a, b) => a - b);
  }
}

/** 'YYYY-MM-DD HH:MM:SS' (UTC) of epoch seconds. */
export function formatTimestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function format(d: Draft): Row {
  return {
    id: d.id,
    per: typeof d.month === 'number' ? monthLabel(d.month) : d.month,
    lts: d.ts === null ? null : formatTimestamp(d.ts),
    aod: d.aod,
    bal: d.bal,
    dpd: d.dpd,
    st: d.st,
    opn: d.opn,
    del: d.del,
  };
}

/** Mixes the accounts' rows within a batch by a fixed hash, so no consumer can rely on their order. */
function interleave(rows: Row[]): Row[] {
  const hash = (s: string): number => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    return h >>> 0;
  };
  return rows
    .map((row, i) => ({ row, order: hash(`${i}:${JSON.stringify(row)}`) }))
    .sort((a, b) => a.order - b.order)
    .map((x) => x.row);
}
