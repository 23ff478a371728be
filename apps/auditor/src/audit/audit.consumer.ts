import { Controller, Inject, UseFilters } from '@nestjs/common';
import { PassThroughRpcFilter } from '@app/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BatchCompleted, CaseBatchPlanned, JobStateChanged, WatermarkAdvanced } from '@app/contracts';
import { AUDIT } from './audit.constants';
import { AuditService } from './audit.service';

/** Every event of the pipeline, buffered for the audit table (written before the offsets commit). */
@Controller()
@UseFilters(PassThroughRpcFilter)
export class AuditConsumer {
  constructor(@Inject(AUDIT) private readonly audit: AuditService) {}

  @EventPattern('watermark-advanced')
  onWatermark(@Payload() e: WatermarkAdvanced) {
    return this.audit.record('watermark-advanced', e);
  }

  @EventPattern('case-batch-planned')
  onPlanned(@Payload() e: CaseBatchPlanned) {
    return this.audit.record('case-batch-planned', e);
  }

  @EventPattern('job-state-changed')
  onJobState(@Payload() e: JobStateChanged) {
    return this.audit.record('job-state-changed', e);
  }

  @EventPattern('batch-completed')
  onBatchCompleted(@Payload() e: BatchCompleted) {
    return this.audit.record('batch-completed', e);
  }
}
