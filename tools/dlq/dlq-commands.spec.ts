import { PRODUCE_REQUEST_BYTES } from '@kanshi/messaging';
import { replaySends } from './dlq-commands';

describe('replaySends', () => {
  const records = (count: number, bytes = 100) => Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(bytes) }));

  it('without a rate, sends as much as one produce request takes', () => {
    const many = records(50);
    expect(replaySends(many)).toEqual([many]);
    const big = records(3, Math.floor(PRODUCE_REQUEST_BYTES / 2));
    expect(replaySends(big).map((send) => send.length)).toEqual([1, 1, 1]);
  });

  it('with a rate, sends at most a tenth of a second’s worth at once, every record once, in order', () => {
    const many = records(95);
    const sends = replaySends(many, 200);
    expect(sends.map((send) => send.length)).toEqual([20, 20, 20, 20, 15]);
    expect(sends.flat()).toEqual(many);
    expect(replaySends(records(3), 5).map((send) => send.length)).toEqual([1, 1, 1]);
  });
});
