import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8 grow this process's heap at most `percent` past what its last full collection kept
 * alive (`--heap-growing-percent`; 0 keeps V8's own factor, which reaches 4×). For a process that
 * allocates fast and keeps little (the engine: a batch's records die with the batch), this keeps
 * the heap near its live size instead of letting dead objects pile up to several times it. Not a
 * cap: the heap grows as far as the live data needs. Call it before the app starts.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
