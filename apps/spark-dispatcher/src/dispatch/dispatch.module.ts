import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, HealthDependencies, ServiceContext } from '@app/common';
import { JobLauncher } from '@app/launcher';
import { DISPATCH_OPTIONS, DispatchOptions, LAUNCHER } from './dispatch.constants';
import { DispatchConsumer } from './dispatch.consumer';
import { DispatchService } from './dispatch.service';

@Module({})
export class DispatchModule {
  static register(
    ctx: ServiceContext,
    launcher: JobLauncher,
    options: DispatchOptions,
    health: Omit<HealthDependencies, 'kafka' | 'registryUrl'>,
  ): DynamicModule {
    return {
      module: DispatchModule,
      imports: [CoreModule.forRoot(ctx, health)],
      controllers: [DispatchConsumer],
      providers: [
        { provide: LAUNCHER, useValue: launcher },
        { provide: DISPATCH_OPTIONS, useValue: options },
        DispatchService,
      ],
    };
  }
}
