import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface SoakOptions {
  batches: number;
  seed: number;
  faults: number;
  accounts: number;
  /** Report directory. */
  out: string;
  /**
   * The cluster topology (stack.sh up --cluster): every case job a driver on the Spark standalone master, the
   * tables on the object store (e2e/cluster/services-catalog.ts); adds the object store's restart and a driver's kill.
   */
  cluster: boolean;
}

export const SOAK_USAGE = `npm run soak -- [options]   (scripts/soak.sh; the README's "Soak")
  --batches N      daily batches of generated mixed data (default 50)
  --seed N         seed of the data and of the fault schedule (default: from the clock, printed)
  --faults F       faults to inject over the run
  --fault-rate R   faults per batch instead of --faults (default 0.6: 30 faults in 50 batches)
  --accounts N     accounts in the generated data (default 60)
  --out DIR        report directory (default bench/results/soak-<date>, soak-cluster-<date> with --cluster)
  --cluster        the cluster topology: case jobs as drivers on a Spark standalone cluster, tables on S3
  --help`;

export class SoakUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${SOAK_USAGE}`);
    this.name = this.constructor.name;
  }
}

const DEFAULT_FAULT_RATE = 0.6;

/**
 * The command line of the soak. `repo` and `now` give the default report directory.
 *
 * parseSoakOptions(['--batches', '6', '--faults', '8'], '/repo', new Date('2026-12-07'))
 *   → { batches: 6, faults: 8, seed: <from the clock>, accounts: 60, out: '/repo/bench/results/soak-2026-12-07' }
 */
export function parseSoakOptions(argv: string[], repo: string, now = new Date()): SoakOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        batches: { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        'fault-rate': { type: 'string' },
        accounts: { type: 'string' },
        out: { type: 'string' },
        cluster: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new SoakUsageError((error as Error).message);
  }
  if (parsed.help) return 'help';
  const batches = integer('--batches', parsed.batches, 50, 1);
  if (parsed.faults !== undefined && parsed['fault-rate'] !== undefined)
    throw new SoakUsageError('--faults and --fault-rate: give one of them, not both');
  const rate = parsed['fault-rate'] === undefined ? DEFAULT_FAULT_RATE : Number(parsed['fault-rate']);
  if (!Number.isFinite(rate) || rate < 0)
    throw new SoakUsageError(`--fault-rate ${parsed['fault-rate']}: expected a number ≥ 0 (faults per batch)`);
  const faults = parsed.faults === undefined ? Math.round(rate * batches) : integer('--faults', parsed.faults, 0, 0);
  if (faults > 0 && batches < 2)
    throw new SoakUsageError(
      `--batches ${batches} with ${faults} fault(s): faults need at least 2 batches (the batch after a fault shows the recovery)`,
    );
  return {
    batches,
    faults,
    seed: integer('--seed', parsed.seed, now.getTime() % 2 ** 31, 0),
    accounts: integer('--accounts', parsed.accounts, 60, 1),
    out:
      parsed.out ??
      join(repo, 'bench', 'results', `soak-${parsed.cluster ? 'cluster-' : ''}${now.toISOString().slice(0, 10)}`),
    cluster: parsed.cluster === true,
  };
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw new SoakUsageError(`${flag} ${value}: expected a whole number ≥ ${min}`);
  return Number(value);
}
