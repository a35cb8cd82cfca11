import { AssignerProtocol, ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { waitFor } from './wait-for';

/**
 * Commits the group's offsets at the topic's current end, so a consumer started for a test
 * reads only what the test produces afterwards, not the topic's history.
 */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset per partition (-1 when none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the group has committed every record the topic holds now; on a timeout the error
 * names the partitions still behind.
 */
export async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string, timeoutMs = 30_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  await waitFor(
    `group ${groupId} to commit every record of ${topic}`,
    async () => {
      const committed = await committedOffsets(kafka, groupId, topic);
      const behind = ends.filter((p) => (committed.get(p.partition) ?? -1n) < BigInt(p.high));
      if (behind.length === 0) return true;
      throw new Error(`behind on ${behind.map((p) => `partition ${p.partition} (committed ${committed.get(p.partition) ?? 'none'}, end ${p.high})`).join(', ')}`);
    },
    timeoutMs,
  );
}

/** The topic's `max.message.bytes`: the largest record batch the broker stores in it. */
export async function topicMaxMessageBytes(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    if (value === undefined) throw new Error(`the broker did not report max.message.bytes of ${topic}`);
    return Number(value);
  } finally {
    await admin.disconnect();
  }
}

/** Who holds which partitions of `topic` in the group, by client id, and the group's state. */
export async function groupOwners(admin: Admin, groupId: string, topic: string): Promise<{ state: string; partitions: Map<string, number[]> }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  const partitions = new Map<string, number[]>();
  for (const member of group?.members ?? []) {
    const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    partitions.set(member.clientId, [...(assignment?.assignment[topic] ?? [])].sort((a, b) => a - b));
  }
  return { state: group?.state ?? 'Unknown', partitions };
}
