// Tiers against real servers wait on Kafka rebalances and queues; time limits here are
// guards against hangs, not performance assertions.
jest.setTimeout(90_000);
