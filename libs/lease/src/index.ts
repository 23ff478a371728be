/** One writer per pipeline: the lease, its expiry and renewal, and its store in an Iceberg table beside the ledger. */
export * from './lease';
export * from './iceberg-lease-store';
