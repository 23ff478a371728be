/**
 * The batch watermark: the newest base_ts of the batch's valid rows, 'YYYY-MM-DD HH:MM:SS'. Classify
 * computes it from the rows it read; that value is the batch's watermark in CaseBatchPlanned, BatchCompleted
 * and the audit. WatermarkAdvanced carries the hint ingest recorded on the source snapshots under this
 * property (the watcher reads it without Spark); a source written by another tool has none, and the hint
 * never replaces classify's value (planEvents uses it only where classify had none).
 */
export const WATERMARK_PROPERTY = 'summary-pipeline.max-base-ts';
