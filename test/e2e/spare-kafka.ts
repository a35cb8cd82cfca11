import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { CACHE_DIR } from '../../infra/scripts/local-services';
import { ROOT } from './run-built-app';

// For specs that run a Kafka broker of their own on spare loopback ports, from the jars
// infra/kafka/kafka.sh installed, so that they can stop or kill it without touching the broker
// every other test shares.

/** The Kafka release infra/kafka/kafka.sh installs (infra/kafka/pom.xml). */
export const KAFKA_VERSION = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(readFileSync(join(ROOT, 'infra', 'kafka', 'pom.xml'), 'utf8'))?.[1] ?? '';

/** Where kafka.sh keeps that release's jars; throws a clear error before its first `install`. */
export function kafkaVersionDir(): string {
  const dir = join(CACHE_DIR, 'kafka', KAFKA_VERSION);
  if (!existsSync(join(dir, 'libs', `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new Error(`Apache Kafka ${KAFKA_VERSION} is not installed in ${dir}: run \`npm run infra:up\` (or bash infra/kafka/kafka.sh install) first`);
  }
  return dir;
}

/** `count` distinct loopback ports that were free a moment ago. */
export async function sparePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Whether a process is still there (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
