import { SnapshotSource } from '@app/common';
import { TableName } from '@app/config';

export const WATCH_OPTIONS = Symbol('WATCH_OPTIONS');

export interface WatchOptions {
  sourceTable: TableName;
  snapshots: SnapshotSource;
  pollIntervalMs: number;
}
