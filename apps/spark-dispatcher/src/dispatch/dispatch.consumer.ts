import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { KafkaEventContext, PassThroughRpcFilter } from '@app/common';
import { CaseBatchPlanned } from '@app/contracts';
import { DispatchService } from './dispatch.service';

@Controller()
@UseFilters(PassThroughRpcFilter)
export class DispatchConsumer {
  constructor(private readonly dispatch: DispatchService) {}

  @EventPattern('case-batch-planned')
  async onPlanned(@Payload() event: CaseBatchPlanned, @Ctx() ctx: KafkaEventContext): Promise<void> {
    const beat = setInterval(() => void ctx.heartbeat().catch(() => undefined), 3000);
    try {
      await this.dispatch.onPlanned(event);
    } finally {
      clearInterval(beat);
    }
  }
}
