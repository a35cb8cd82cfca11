import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from '@kanshi/contracts';

export const JOB_HANDLER_METADATA = 'kanshi:job-handler';

/** Which run of a job a handler is in. */
export interface JobContext {
  readonly jobId: string;
  /** 1 for the first run. */
  readonly attempt: number;
  /** The attempts the job is allowed; the last one should leave a final record. */
  readonly maxAttempts: number;
}

/** A class that handles one job type. Exactly one handler per job name, checked at boot. */
export interface JobHandlerOf<N extends JobName> {
  handle(payload: JobPayloads[N], context: JobContext): Promise<void>;
}

/** Declares the class as the handler of `name`. */
export const JobHandler = (name: JobName): ClassDecorator => SetMetadata(JOB_HANDLER_METADATA, name);
