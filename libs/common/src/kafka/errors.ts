/**
 * A handler that must stop consuming its partition without dead-lettering the message: the message stays
 * uncommitted and is delivered again after a restart (a failed case stops its batch, SPEC §5).
 */
export class HoldPartitionError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** A condition that will pass by waiting (e.g. the previous batch is still running): retried with backoff. */
export class NotYetError extends Error {
  readonly retriable = true;

  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
