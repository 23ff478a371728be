import 'reflect-metadata';
import { EnvReader, bootstrap, runService, serviceContext } from '@app/common';
import { EngineHandle, engineSettingsFromEnv } from '@app/service-kit';
import { ClassificationModule } from './classification/classification.module';

/** classifier: WatermarkAdvanced → classify job → CaseBatchPlanned per case (README "Services"). */
bootstrap(async () => {
  const env = new EnvReader();
  const ctx = serviceContext('classifier', 3002, env);
  const settings = engineSettingsFromEnv(env);
  env.done();
  const engine = new EngineHandle(settings, ctx.name);
  await engine.pipeline(); // Spark starts before the first event, not inside its handler
  await runService(ctx, ClassificationModule.register(ctx, engine), { groupId: ctx.groupId });
});
