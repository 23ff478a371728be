import {
  AcquireOptions,
  IcebergLeaseStore,
  LeaseOptions,
  PipelineLease,
  currentHolder,
  leaseOptionsFromEnv,
  withLease,
} from '@app/lease';
import type { SummaryPipeline } from './pipeline';

/** A lease of the pipeline for this process (`command` names it to other writers), in its Iceberg lease table; not yet taken. */
export function leaseFor(
  pipeline: SummaryPipeline,
  command: string,
  options: Partial<LeaseOptions> = leaseOptionsFromEnv(),
): PipelineLease {
  return new PipelineLease(
    new IcebergLeaseStore(pipeline.runner, pipeline.config),
    pipeline.config.summaryTable.plain,
    currentHolder(command),
    options,
  );
}

/** The pipeline's lease for this process, held in its Iceberg lease table; jobs run through `pipeline` carry it. */
export function openLease(
  pipeline: SummaryPipeline,
  command: string,
  options: Partial<LeaseOptions> = leaseOptionsFromEnv(),
): PipelineLease {
  const lease = leaseFor(pipeline, command, options);
  pipeline.lease = lease;
  return lease;
}

/**
 * Runs `work` as the pipeline's one writer: takes the lease (waiting up to `acquire.waitMs`), keeps it
 * alive while `work` runs and releases it after, also on failure.
 */
export async function asWriter<T>(
  pipeline: SummaryPipeline,
  command: string,
  acquire: AcquireOptions,
  work: () => Promise<T>,
  options?: Partial<LeaseOptions>,
): Promise<T> {
  const lease = openLease(pipeline, command, options);
  try {
    return await withLease(lease, acquire, work);
  } finally {
    if (pipeline.lease === lease) pipeline.lease = null;
  }
}
