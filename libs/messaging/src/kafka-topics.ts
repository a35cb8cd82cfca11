import type { Kafka } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';

export interface TopicPlan {
  readonly topic: string;
  readonly numPartitions: number;
}

/** Kanshi's topics with explicit partition counts. */
export function kanshiTopics(telemetryPartitions: number): TopicPlan[] {
  return [
    { topic: TOPICS.telemetry, numPartitions: telemetryPartitions },
    { topic: TOPICS.telemetryDeadLetter, numPartitions: Math.max(1, Math.min(3, telemetryPartitions)) },
  ];
}

/**
 * Creates missing topics (existing ones are left as they are) and reports each topic's actual
 * partition count.
 */
export async function ensureTopics(kafka: Kafka, plans: readonly TopicPlan[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = plans.filter((p) => !existing.has(p.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((p) => ({ topic: p.topic, numPartitions: p.numPartitions, replicationFactor: 1 })),
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}
