import { connect } from 'node:net';

function probe(broker: string, timeoutMs: number): Promise<string | undefined> {
  const colon = broker.lastIndexOf(':');
  const host = colon > 0 ? broker.slice(0, colon).replace(/^\[|\]$/g, '') : broker;
  const port = colon > 0 ? Number(broker.slice(colon + 1)) : 9092;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`${broker}: no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${broker}: ${error.message}`));
  });
}

/**
 * Fails fast when no broker accepts a TCP connection. The shared Kafka client retries for about
 * half a minute, which suits a service riding out a restart but not a command typed by hand.
 */
export async function assertSomeBrokerReachable(brokers: readonly string[], timeoutMs = 3000): Promise<void> {
  const problems = await Promise.all(brokers.map((b) => probe(b, timeoutMs)));
  if (problems.some((p) => p === undefined)) return;
  throw new Error(`cannot reach Kafka (KANSHI_KAFKA_BROKERS=${brokers.join(',')}): ${problems.join('; ')}`);
}
