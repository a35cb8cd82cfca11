import type { ConsumerProgress } from './consumer-progress';
import type { PartitionClocks } from './partition-clocks';

/**
 * The readiness check of the engine's consumer (`GET /health/ready` of its operations port): a
 * member of its group, and no partition it holds stuck (see {@link ConsumerProgress.unreadiness};
 * records waiting are judged by the log ends the rule clock reads every second).
 */
export function consumerHealthCheck(progress: ConsumerProgress, clocks: PartitionClocks, now: () => number = Date.now) {
  return {
    name: 'consumer',
    check: (): Promise<void> => {
      const reason = progress.unreadiness(now(), (partition) => clocks.isBehind(partition));
      return reason === undefined ? Promise.resolve() : Promise.reject(new Error(reason));
    },
  };
}
