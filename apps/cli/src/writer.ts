import { LEASE_HELD_EXIT_CODE, LeaseHeldError } from '@app/lease';
import { SummaryPipeline, asWriter } from '@app/engine';

/** Commands that write the pipeline's tables: each runs as the pipeline's one writer (issue 10). */
export const WRITER_COMMANDS = ['run', 'load', 'optimize', 'repair'] as const;

export class WaitOptionError extends Error {
  constructor(received: string) {
    super(`--wait: expected a number of seconds >= 0, received "${received}"`);
    this.name = this.constructor.name;
  }
}

/** '--wait 90' → 90000 ms; absent → 0 (give up at once when another writer holds the lease). */
export function parseWait(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new WaitOptionError(raw);
  return Math.round(seconds * 1000);
}

/**
 * Runs a CLI command's work on the pipeline: as the lease holder when the command writes (`run`, `load`,
 * `optimize` but not its --dry-run, `repair`), waiting up to --wait seconds for another holder.
 */
export function asCliWriter<T>(
  pipeline: SummaryPipeline,
  command: { name: string; wait?: string; dryRun?: boolean },
  log: (m: string) => void,
  work: (p: SummaryPipeline) => Promise<T>,
): Promise<T> {
  if (!(WRITER_COMMANDS as readonly string[]).includes(command.name) || command.dryRun) return work(pipeline);
  return asWriter(pipeline, command.name, { waitMs: parseWait(command.wait), onWait: log }, () => {
    const lease = pipeline.lease!;
    const previous =
      lease.previous === 'expired'
        ? '; its previous holder died holding it: its unfinished jobs are rolled back by the ledger'
        : '';
    log(`lease of ${lease.pipeline} taken (${lease.table}, epoch ${lease.record!.epoch}${previous})`);
    return work(pipeline);
  });
}

/** The process exit code for a failed command: 75 (EX_TEMPFAIL) when another writer held the lease. */
export function exitCodeFor(err: unknown): number {
  return err instanceof LeaseHeldError ? LEASE_HELD_EXIT_CODE : 1;
}
