import { ServiceContext, jsonLog } from '@app/common';

/**
 * Messages currently in each `<topic>.dlq` (end − start offsets) of contracts/topic-access.json's
 * `deadLetterSizes`: the "dead-letter topic not empty" alert.
 */
export function watchDeadLetters(ctx: ServiceContext, intervalMs: number): NodeJS.Timeout {
  const gauge = ctx.metrics.get('deadLetterMessages');
  const admin = ctx.kafka.admin();
  let connected = false;
  const update = async () => {
    try {
      if (!connected) {
        await admin.connect();
        connected = true;
      }
      for (const event of ctx.access.deadLetterSizes) {
        const topic = `${ctx.codec.contracts[event].topic}.dlq`;
        const offsets = await admin.fetchTopicOffsets(topic);
        gauge.set(
          { topic },
          offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0),
        );
      }
    } catch (error) {
      jsonLog('debug', 'dead-letter sizes not updated', { error: String(error) });
    }
  };
  void update();
  const timer = setInterval(() => void update(), intervalMs);
  timer.unref();
  return timer;
}
