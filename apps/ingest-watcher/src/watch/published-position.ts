import { Kafka } from 'kafkajs';
import { EventCodec, TopicAccess, WatermarkAdvanced, readerGroupId } from '@app/contracts';
import { jsonLog } from '@app/common';
import { compareBatchIds } from '@app/lifecycle';

/**
 * The watcher's position is the last WatermarkAdvanced it published for this source table: read back from
 * the topic at start, so a restart neither skips nor repeats a window, and no other state store is needed.
 */
export async function lastPublished(
  kafka: Kafka,
  codec: EventCodec,
  access: TopicAccess,
  topicPrefix: string,
  sourceTable: string,
  timeoutMs = 60000,
): Promise<WatermarkAdvanced | null> {
  const topic = codec.contracts['watermark-advanced'].topic;
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high) - 1n]),
  );
  if (remaining.size === 0) return null;
  // <prefix>watermark-advanced.position-reader.<pid>.<time> (contracts/topic-access.json): the group the principal may read in.
  const groupId = readerGroupId(access, topicPrefix);
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let last: WatermarkAdvanced | null = null;
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} back to find the last published window took over ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .subscribe({ topic, fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (message.value) {
                try {
                  const decoded = await codec.decode(message.value);
                  if (decoded.event === 'watermark-advanced' && decoded.value.sourceTable === sourceTable) {
                    if (!last || compareBatchIds(decoded.value.batchId, last.batchId) > 0) last = decoded.value;
                  }
                } catch (error) {
                  jsonLog(
                    'warn',
                    'skipping a message it cannot use (undecodable, or not a batch id) while reading the position back',
                    { topic, offset: message.offset, error: (error as Error).message },
                  );
                }
              }
              if (BigInt(message.offset) >= (remaining.get(partition) ?? -1n)) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return last;
}
