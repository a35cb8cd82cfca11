/** How a {@link Batcher} groups what it is given. */
export interface BatcherOptions {
  /** Most items one call of the batch function gets. */
  readonly maxBatch: number;
  /** Most calls of the batch function running at once; items given meanwhile wait and go together. */
  readonly maxInFlight: number;
}

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers items submitted one by one (for example by jobs that run at once) into calls of a
 * function that handles many in one go: one statement for many rows instead of one each. Group
 * commit: an item submitted while the batcher is idle goes at once (after the current
 * microtasks, so items of the same tick go together); items submitted while `maxInFlight`
 * calls run wait and go together in the next call. So a quiet system keeps its latency and a
 * busy one gets large batches.
 *
 * The function answers one result per item, in order; if it throws, every item of its call is
 * rejected with that error (each caller's retry then applies).
 */
export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: BatcherOptions,
  ) {
    if (!(options.maxBatch >= 1) || !(options.maxInFlight >= 1)) throw new RangeError('a batcher needs maxBatch and maxInFlight of at least 1');
  }

  /** Resolves with the item's result once the call that carried it is done. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Items waiting for a call, and calls running (for metrics and tests). */
  get load(): { readonly waiting: number; readonly inFlight: number } {
    return { waiting: this.waiting.length, inFlight: this.inFlight };
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.call(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async call(batch: readonly Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} items was answered with ${results.length} results`);
      batch.forEach((w, i) => w.resolve(results[i] as O));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
