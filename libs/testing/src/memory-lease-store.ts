import { LeaseRecord, LeaseStore } from '@app/lease';

/** A lease store in memory with the compare-and-set contract of the Iceberg one (unit tests of lease holders). */
export class MemoryLeaseStore implements LeaseStore {
  readonly location = 'mem.ns.summary_lease';
  row: LeaseRecord | null = null;
  keeping = new Set<string>();
  /** Runs before a compare-and-set reads the row: lets a test slip in a competing writer. */
  beforeWrite?: () => void;

  async read(): Promise<LeaseRecord | null> {
    return this.row && { ...this.row };
  }

  async compareAndSet(expected: LeaseRecord | null, next: LeaseRecord): Promise<boolean> {
    this.beforeWrite?.();
    const same =
      expected === null
        ? this.row === null
        : this.row !== null && this.row.token === expected.token && this.row.epoch === expected.epoch;
    if (!same) return false;
    this.row = { ...next };
    return true;
  }

  async keepAlive(record: LeaseRecord): Promise<void> {
    this.keeping.add(record.token!);
  }

  async stopKeepAlive(record: LeaseRecord): Promise<void> {
    this.keeping.delete(record.token!);
  }
}
