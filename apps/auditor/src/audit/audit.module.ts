import { DynamicModule, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { CoreModule, ServiceContext } from '@app/common';
import { EngineHandle } from '@app/service-kit';
import { AUDIT } from './audit.constants';
import { AuditConsumer } from './audit.consumer';
import { AuditService } from './audit.service';

const ENGINE = Symbol('ENGINE');

class AuditLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(AUDIT) private readonly audit: AuditService,
    @Inject(ENGINE) private readonly engine: EngineHandle,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    this.audit.close();
    await this.engine.close();
  }
}

@Module({})
export class AuditModule {
  static register(ctx: ServiceContext, engine: EngineHandle, audit: AuditService): DynamicModule {
    return {
      module: AuditModule,
      imports: [CoreModule.forRoot(ctx, { extra: [{ key: 'spark-runner', check: () => engine.ping() }] })],
      controllers: [AuditConsumer],
      providers: [{ provide: AUDIT, useValue: audit }, { provide: ENGINE, useValue: engine }, AuditLifecycle],
    };
  }
}
