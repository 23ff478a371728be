/**
 * The batch watermark: the newest base_ts of the rows a batch read. Ingest records it on the source
 * snapshot under this property (the watcher reads it without Spark); classify computes the same value from
 * the rows it read, and that one is what events and the audit carry.
 */
export const WATERMARK_PROPERTY = 'summary-pipeline.max-base-ts';
