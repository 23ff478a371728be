import { ServiceContext, jsonLog } from '@app/common';
import { EVENT_NAMES } from '@app/contracts';

/** Messages currently in each `<topic>.dlq` (end − start offsets): the "dead-letter topic not empty" alert. */
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
      for (const event of EVENT_NAMES) {
        const topic = `${ctx.codec.contracts[event].topic}.dlq`;
        const offsets = await admin.fetchTopicOffsets(topic);
        gauge.set({ topic }, offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0));
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
