import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, ServiceContext } from '@app/common';
import { EngineHandle } from '@app/service-kit';
import { ENGINE } from './classification.constants';
import { ClassificationConsumer } from './classification.consumer';
import { ClassificationService } from './classification.service';

@Module({})
export class ClassificationModule {
  static register(ctx: ServiceContext, engine: EngineHandle): DynamicModule {
    return {
      module: ClassificationModule,
      imports: [CoreModule.forRoot(ctx, { extra: [{ key: 'spark-runner', check: () => engine.ping() }] })],
      controllers: [ClassificationConsumer],
      providers: [{ provide: ENGINE, useValue: engine }, ClassificationService],
    };
  }
}
