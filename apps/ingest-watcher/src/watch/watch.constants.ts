import { SnapshotSource } from '@app/common';
import { TableName } from '@app/config';

export const WATCH_OPTIONS = Symbol('WATCH_OPTIONS');

export interface WatchOptions {
  sourceTable: TableName;
  /** SPEC §4b: the report-date table (config `hist_rpt_dt_table`), watched beside the source; absent without it. */
  reportTable?: TableName;
  snapshots: SnapshotSource;
  pollIntervalMs: number;
}
