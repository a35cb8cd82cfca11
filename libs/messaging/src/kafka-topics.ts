import { ConfigResourceTypes, ConfigSource, type Admin, type Kafka } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';

export interface TopicPlan {
  readonly topic: string;
  readonly numPartitions: number;
  /** Topic configuration Kanshi relies on; set on creation and restored on an existing topic. */
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * Stored compression of Kanshi's topics. kafkajs, the engine's client, reads only gzip and
 * uncompressed batches and stops for good on lz4, snappy or zstd, which Java and librdkafka
 * producers often use. With the topic set to gzip the broker re-compresses whatever a producer
 * sends, so any client may produce; gzip producers (Kanshi's own) cost it nothing.
 */
export const TOPIC_COMPRESSION = 'gzip';

/** Kanshi's topics with explicit partition counts. */
export function kanshiTopics(telemetryPartitions: number): TopicPlan[] {
  const configs = { 'compression.type': TOPIC_COMPRESSION };
  return [
    // The broker stamps each record with its arrival: the engine meters tenants' quotas by it
    // (a producer cannot claim other times), and a backlog counts at the pace it arrived.
    { topic: TOPICS.telemetry, numPartitions: telemetryPartitions, configs: { ...configs, 'message.timestamp.type': 'LogAppendTime' } },
    { topic: TOPICS.telemetryDeadLetter, numPartitions: Math.max(1, Math.min(3, telemetryPartitions)), configs },
  ];
}

/**
 * Sets the planned configuration on existing topics where it differs. The broker's AlterConfigs
 * replaces every per-topic setting, so the ones set on the topic before are sent along.
 */
async function restoreConfigs(admin: Admin, plans: readonly TopicPlan[]): Promise<void> {
  if (plans.length === 0) return;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: plans.map((p) => ({ type: ConfigResourceTypes.TOPIC, name: p.topic })),
  });
  const changes = plans.flatMap((plan) => {
    const entries = described.resources.find((r) => r.resourceName === plan.topic)?.configEntries ?? [];
    const differs = Object.entries(plan.configs).some(([name, value]) => entries.find((e) => e.configName === name)?.configValue !== value);
    if (!differs) return [];
    const own = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue] as const);
    const configEntries = Object.entries({ ...Object.fromEntries(own), ...plan.configs }).map(([name, value]) => ({ name, value }));
    return [{ type: ConfigResourceTypes.TOPIC, name: plan.topic, configEntries }];
  });
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
}

/** Copies of each partition Kanshi asks for when it creates a topic on a cluster of `brokers`. */
export function replicationFactorFor(brokers: number): number {
  return Math.max(1, Math.min(3, brokers));
}

/**
 * Creates missing topics (existing ones keep their partitions) with the planned configuration,
 * restores that configuration on existing ones, and reports each topic's partition count.
 */
export async function ensureTopics(kafka: Kafka, plans: readonly TopicPlan[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = plans.filter((p) => !existing.has(p.topic));
    if (missing.length > 0) {
      // Three copies where the cluster has three brokers or more, and a write acknowledged only
      // once two hold it (acks=-1), so a broker may fail without losing a record; as many copies
      // as there are brokers otherwise (one on a laptop).
      const { brokers } = await admin.describeCluster();
      const replicationFactor = replicationFactorFor(brokers.length);
      const durability: Readonly<Record<string, string>> = replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {};
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((p) => ({
          topic: p.topic,
          numPartitions: p.numPartitions,
          replicationFactor,
          configEntries: Object.entries({ ...p.configs, ...durability }).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    await restoreConfigs(admin, plans.filter((p) => existing.has(p.topic)));
    const metadata = await admin.fetchTopicMetadata({ topics: plans.map((p) => p.topic) });
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}
