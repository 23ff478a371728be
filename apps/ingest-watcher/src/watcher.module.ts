import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, ServiceContext } from '@app/common';
import { WATCH_OPTIONS, WatchOptions } from './watch/watch.constants';
import { WatchService } from './watch/watch.service';

@Module({})
export class WatcherModule {
  static register(ctx: ServiceContext, options: WatchOptions): DynamicModule {
    return {
      module: WatcherModule,
      imports: [CoreModule.forRoot(ctx, { catalog: options.snapshots })],
      providers: [{ provide: WATCH_OPTIONS, useValue: options }, WatchService],
    };
  }
}
