import { Batcher } from './batcher';

/** A batch function whose calls the test finishes by hand. */
function manual<I, O>(answer: (items: readonly I[]) => O[]) {
  const calls: { items: readonly I[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const run = (items: readonly I[]) =>
    new Promise<O[]>((resolve, reject) => {
      calls.push({ items, finish: () => resolve(answer(items)), fail: reject });
    });
  return { calls, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('sends items of one tick together, and each caller gets its own result', async () => {
    const { calls, run } = manual((items: readonly number[]) => items.map((n) => n * 10));
    const batcher = new Batcher(run, { maxBatch: 10, maxInFlight: 1 });
    const results = [1, 2, 3].map((n) => batcher.submit(n));
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    calls[0]?.finish();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
  });

  it('gathers what arrives while calls run into the next call, up to maxBatch', async () => {
    const { calls, run } = manual((items: readonly number[]) => items.map((n) => -n));
    const batcher = new Batcher(run, { maxBatch: 3, maxInFlight: 1 });
    const first = batcher.submit(1);
    await settle();
    const later = [2, 3, 4, 5].map((n) => batcher.submit(n));
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    expect(batcher.load).toEqual({ waiting: 4, inFlight: 1 });
    calls[0]?.finish();
    await expect(first).resolves.toBe(-1);
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]?.finish();
    await settle();
    calls[2]?.finish();
    await expect(Promise.all(later)).resolves.toEqual([-2, -3, -4, -5]);
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('runs up to maxInFlight calls at once', async () => {
    const { calls, run } = manual((items: readonly number[]) => [...items]);
    const batcher = new Batcher(run, { maxBatch: 1, maxInFlight: 2 });
    const all = [1, 2, 3].map((n) => batcher.submit(n));
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[1]?.finish();
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3]]);
    calls[0]?.finish();
    calls[2]?.finish();
    await expect(Promise.all(all)).resolves.toEqual([1, 2, 3]);
  });

  it('rejects every item of a call that fails, and goes on with the next', async () => {
    const { calls, run } = manual((items: readonly string[]) => items.map((s) => s.toUpperCase()));
    const batcher = new Batcher(run, { maxBatch: 2, maxInFlight: 1 });
    const failed = [batcher.submit('a'), batcher.submit('b')];
    const next = batcher.submit('c');
    await settle();
    calls[0]?.fail(new Error('database gone'));
    for (const f of failed) await expect(f).rejects.toThrow('database gone');
    await settle();
    calls[1]?.finish();
    await expect(next).resolves.toBe('C');
  });

  it('rejects a call answered with the wrong number of results', async () => {
    const batcher = new Batcher((items: readonly number[]) => Promise.resolve(items.slice(1)), { maxBatch: 5, maxInFlight: 1 });
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow('a batch of 2 items was answered with 1 results');
  });

  it('refuses options that could never send anything', () => {
    expect(() => new Batcher(() => Promise.resolve([]), { maxBatch: 0, maxInFlight: 1 })).toThrow(RangeError);
  });
});
