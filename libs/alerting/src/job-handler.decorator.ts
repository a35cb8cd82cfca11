import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from '@kanshi/contracts';

export const JOB_HANDLER_METADATA = 'kanshi:job-handler';

/** A class that handles one job type. Exactly one handler per job name, checked at boot. */
export interface JobHandlerOf<N extends JobName> {
  handle(payload: JobPayloads[N], context: { readonly jobId: string; readonly attempt: number }): Promise<void>;
}

/** Declares the class as the handler of `name`. */
export const JobHandler = (name: JobName): ClassDecorator => SetMetadata(JOB_HANDLER_METADATA, name);
