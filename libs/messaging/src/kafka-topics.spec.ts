import { replicationFactorFor } from './kafka-topics';

describe('replicationFactorFor', () => {
  it('asks for three copies on a cluster of three brokers or more, as many as there are brokers below that', () => {
    expect([1, 2, 3, 5, 12].map(replicationFactorFor)).toEqual([1, 2, 3, 3, 3]);
    expect(replicationFactorFor(0)).toBe(1);
  });
});
