/**
 * The identity of a batch: `b-` and its sequence number, at least six digits (b-000001, b-000002 …,
 * b-1000000). Batch n+1 follows batch n; every part of the product (watcher, classifier, dispatcher, CLI,
 * ledger) names batches this way and orders them by the number, never by the string.
 *
 * A malformed id is an error (BatchIdError), never 0 or NaN: an id that does not parse means a message or
 * a ledger row this version does not understand, and ordering it anywhere would be a guess.
 */

export const BATCH_PREFIX = 'b-';
const PATTERN = /^b-(\d{6,})$/;

export class BatchIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** b-000042 for 42. */
export function formatBatchId(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new BatchIdError(`a batch sequence number is an integer from 1, got ${seq}`);
  return `${BATCH_PREFIX}${String(seq).padStart(6, '0')}`;
}

/** 42 for b-000042; throws BatchIdError naming the id for anything else. */
export function parseBatchId(id: string): number {
  const match = PATTERN.exec(id);
  const seq = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(seq) || seq < 1 || formatBatchId(seq) !== id) {
    throw new BatchIdError(
      `${JSON.stringify(id)} is not a batch id; expected "b-" and a sequence number from 1 of at least six digits, e.g. b-000001`,
    );
  }
  return seq;
}

export function isBatchId(id: string): boolean {
  try {
    parseBatchId(id);
    return true;
  } catch {
    return false;
  }
}

/** Orders two batch ids by their numbers (b-999999 before b-1000000). */
export function compareBatchIds(a: string, b: string): number {
  return parseBatchId(a) - parseBatchId(b);
}

/** The batch after `previous`, or the first batch when there is none. */
export function nextBatchId(previous: string | null | undefined): string {
  return formatBatchId(previous ? parseBatchId(previous) + 1 : 1);
}
