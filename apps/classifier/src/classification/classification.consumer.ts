import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { KafkaEventContext, PassThroughRpcFilter } from '@app/common';
import { WatermarkAdvanced } from '@app/contracts';
import { ClassificationService } from './classification.service';

@Controller()
@UseFilters(PassThroughRpcFilter)
export class ClassificationConsumer {
  constructor(private readonly classification: ClassificationService) {}

  @EventPattern('watermark-advanced')
  async onWatermark(@Payload() event: WatermarkAdvanced, @Ctx() ctx: KafkaEventContext): Promise<void> {
    const beat = setInterval(() => void ctx.heartbeat().catch(() => undefined), 3000);
    try {
      await this.classification.onWatermark(event);
    } finally {
      clearInterval(beat);
    }
  }
}
