/** The seed 000 §9 simulation ("1/100 scale"): what `--scale 1` reproduces. */
export const SEED_SIMULATION = {
  accounts: 100_000,
  summaryRows: 2_348_547,
  batchRows: 10_000,
  /** Its measured incremental update of the 10K batch (6 local cores), for the report's context. */
  incrementalSeconds: 100.4,
} as const;

/** Share of a batch's records per case (seed 000 §9: 5% new, 85% forward, 10% backfill). */
export const BATCH_MIX = { newAccounts: 0.05, forward: 0.85, backfill: 0.1 } as const;

export type Phase = 'modes' | 'rebuild' | 'batch' | 'table' | 'overhead' | 'sustained' | 'cold' | 'deletes';
export const PHASES: Phase[] = ['modes', 'rebuild', 'batch', 'table', 'overhead', 'sustained', 'cold', 'deletes'];

/** SPEC §4a row: the main batch with this many of its backfills replaced by deletes (at scale 1; at most its backfills). */
export const BATCH_DELETES = 100;

export interface BenchOptions {
  /** 1 = seed 000 §9 size; every account and record count below is multiplied by it. */
  scale: number;
  /** Measurements per configuration (each on a fresh copy of the tables). */
  repeat: number;
  seed: number;
  config: string;
  warehouse: string;
  out: string;
  /** Summary sizes for the table-scaling series, as multiples of the base table. */
  tableFactors: number[];
  /** Batch sizes for the batch-scaling series, in records at scale 1. */
  batchSizes: number[];
  /** Accounts per initial-load batch at scale 1 (bounds the memory of one CASE_I job). */
  loadChunk: number;
  /** Consecutive daily batches of the sustained phase (issue #9: 30). */
  sustainedBatches: number;
  skip: Phase[];
  keep: boolean;
  verbose: boolean;
  /** `--cluster`: the small workload on the cluster topology beside local mode (bench/src/cluster.ts). */
  cluster: boolean;
}

/** `--cluster` runs at this scale unless --scale is given: 1,000 accounts, a 100-record batch. */
export const CLUSTER_SCALE = 0.01;

export const DEFAULT_OPTIONS: BenchOptions = {
  scale: 1,
  repeat: 3,
  seed: 1,
  config: 'config/seed-000.json',
  warehouse: '.runtime/bench/warehouse',
  out: 'bench/results',
  tableFactors: [1, 3, 10],
  batchSizes: [1_000, 10_000, 100_000],
  loadChunk: SEED_SIMULATION.accounts,
  sustainedBatches: 30,
  skip: [],
  keep: false,
  verbose: false,
  cluster: false,
};

/** The absolute sizes a run works with, derived from the options. */
export interface BenchSizes {
  accounts: number;
  batchRows: number;
  batchSizes: number[];
  tableFactors: number[];
  loadChunkAccounts: number;
}

export class BenchOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const scaled = (n: number, scale: number) => Math.max(1, Math.round(n * scale));

/**
 * Sizes for a scale. Example: scale 0.02 → 2,000 accounts, a 200-record batch, batch series [20, 200, 2000],
 * initial loads of 2,000 accounts. Refuses a batch that needs more existing accounts than the table has, or
 * is too small to hold a record of every case.
 */
export function benchSizes(o: Pick<BenchOptions, 'scale' | 'batchSizes' | 'tableFactors' | 'loadChunk'>): BenchSizes {
  if (!(o.scale > 0)) throw new BenchOptionError(`--scale: expected a positive number; received ${o.scale}`);
  const accounts = scaled(SEED_SIMULATION.accounts, o.scale);
  const batchRows = scaled(SEED_SIMULATION.batchRows, o.scale);
  const batchSizes = [...new Set([...o.batchSizes.map((b) => scaled(b, o.scale))])].sort((a, b) => a - b);
  for (const b of [batchRows, ...batchSizes]) {
    const existing = Math.round(b * BATCH_MIX.forward) + Math.round(b * BATCH_MIX.backfill);
    if (Math.round(b * BATCH_MIX.newAccounts) < 1 || Math.round(b * BATCH_MIX.backfill) < 1) {
      throw new BenchOptionError(`a batch of ${b} record(s) has no record of some case (5% new, 10% backfill); raise --scale or the --batch-sizes`);
    }
    if (existing > accounts) {
      throw new BenchOptionError(`a batch of ${b} record(s) needs ${existing} distinct existing accounts; the base table has ${accounts} (raise --scale or lower --batch-sizes)`);
    }
  }
  const tableFactors = [...new Set(o.tableFactors)].sort((a, b) => a - b);
  if (tableFactors.some((f) => !Number.isInteger(f) || f < 1)) throw new BenchOptionError(`--table-factors: expected positive integers; received ${o.tableFactors.join(',')}`);
  return { accounts, batchRows, batchSizes, tableFactors, loadChunkAccounts: scaled(o.loadChunk, o.scale) };
}

/** Parses "1,3,10" into numbers; the flag name goes into the error. */
export function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v) || v <= 0)) throw new BenchOptionError(`${flag}: expected comma-separated positive numbers; received "${text}"`);
  return values;
}

export function phaseList(text: string): Phase[] {
  const values = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = values.filter((v) => !PHASES.includes(v as Phase));
  if (bad.length) throw new BenchOptionError(`--skip: expected some of ${PHASES.join(', ')}; received "${bad.join(', ')}"`);
  return values as Phase[];
}
