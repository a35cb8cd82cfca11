import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA_CLIENT } from './kafka-producer.service';

/**
 * Reads where a topic's partitions end now (their high watermarks), through one admin client
 * kept connected. At most one read is in flight: a caller that comes while Kafka is slow shares
 * the pending read instead of stacking up more; a read that fails drops the client, so the next
 * one connects afresh.
 */
@Injectable()
export class TopicLogEnds implements OnApplicationShutdown {
  private admin: Promise<Admin> | undefined;
  private readonly pending = new Map<string, Promise<Map<number, bigint>>>();

  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka) {}

  /** The offset after the last record of each partition of `topic`. */
  read(topic: string): Promise<Map<number, bigint>> {
    let read = this.pending.get(topic);
    if (!read) {
      read = this.fetch(topic).finally(() => this.pending.delete(topic));
      this.pending.set(topic, read);
    }
    return read;
  }

  /**
   * Like {@link read}, but gives up waiting after `timeoutMs` (the read goes on in the
   * background and a later call shares it); `undefined` when it failed or took too long.
   */
  async readWithin(topic: string, timeoutMs: number): Promise<Map<number, bigint> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return await Promise.race([this.read(topic).catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetch(topic: string): Promise<Map<number, bigint>> {
    this.admin ??= this.connect();
    try {
      const offsets = await (await this.admin).fetchTopicOffsets(topic);
      return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    } catch (error) {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.then((a) => a.disconnect()).catch(() => undefined);
      throw error;
    }
  }

  private async connect(): Promise<Admin> {
    const admin = this.kafka.admin();
    await admin.connect();
    return admin;
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
