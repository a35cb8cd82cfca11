import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@kanshi/config';
import { JOBS, raiseAlertJobId, type RaiseAlertJob } from '@kanshi/contracts';
import { BullJobQueue } from '@kanshi/queue';

/**
 * The `alerts` queue as a team would use it from a message handler: one awaited `add` per
 * finding, with Kanshi's job options and deterministic ids so the comparison is about batching,
 * not about doing less.
 */
@Injectable()
export class NaiveAlertQueue implements OnApplicationShutdown {
  private readonly queue: BullJobQueue;

  constructor(config: AppConfig) {
    this.queue = new BullJobQueue(config.values.redisUrl, config.values.queuePrefix, 'kanshi-bench-naive-handler');
  }

  async add(job: RaiseAlertJob): Promise<void> {
    await this.queue.add([{ name: JOBS.raiseAlert, data: job, id: raiseAlertJobId(job) }]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
