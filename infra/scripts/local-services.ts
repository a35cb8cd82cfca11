import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';

/** Where the project keeps what it downloads and runs, outside the repository. */
export const CACHE_DIR = process.env['KANSHI_CACHE_DIR'] || join(process.env['HOME'] ?? '/tmp', '.cache', 'kanshi');

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function step(message: string): void {
  process.stdout.write(`• ${message}\n`);
}

export class InfraError extends Error {
  override readonly name = 'InfraError';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function which(command: string): string | undefined {
  const found = spawnSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function startedMarker(service: string): string {
  return join(CACHE_DIR, 'state', `${service}.started-by-kanshi`);
}

function markStarted(service: string): void {
  mkdirSync(join(CACHE_DIR, 'state'), { recursive: true });
  writeFileSync(startedMarker(service), new Date().toISOString());
}

async function retryUntil(what: string, timeoutMs: number, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await attempt();
      return;
    } catch (error) {
      last = error;
      await sleep(500);
    }
  }
  throw new InfraError(`${what} did not become ready in ${timeoutMs / 1000}s: ${String(last)}`);
}

async function pgReachable(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2000 });
  await client.connect();
  await client.end();
}

/** PostgreSQL at the configured address: reachable, or started when installed here and stopped. */
export async function ensurePostgres(url: string, { start = true }: { readonly start?: boolean } = {}): Promise<void> {
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || 5432}`;
  try {
    await pgReachable(url);
    step(`PostgreSQL ${where} is up`);
    return;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Only "nobody listens" means stopped; anything else (auth, missing role) is for a person.
    if (!start || !LOCAL_HOSTS.has(hostname) || (code !== 'ECONNREFUSED' && code !== 'ENOENT')) {
      throw new InfraError(`PostgreSQL at ${where} does not accept the connection (${String(error)}). Start it, or fix KANSHI_DATABASE_MIGRATION_URL (the owner; it defaults to KANSHI_DATABASE_URL when that is set).`);
    }
  }
  const clusters = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (!which('pg_ctlcluster') || clusters.length === 0) {
    throw new InfraError(
      'PostgreSQL is not installed on this machine. Install it with `sudo apt-get install -y postgresql` ' +
        '(Debian/Ubuntu), allow local connections for user postgres, then run this again.',
    );
  }
  const version = clusters.sort().at(-1) as string;
  step(`PostgreSQL ${where} is stopped; starting cluster ${version}/main`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  markStarted('postgres');
  await retryUntil('PostgreSQL', 30_000, () => pgReachable(url));
  step(`PostgreSQL ${where} started`);
}

async function redisPing(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

/** Redis at the configured address, running with `maxmemory-policy noeviction` (BullMQ needs it). */
export async function ensureRedis(url: string, { start = true }: { readonly start?: boolean } = {}): Promise<void> {
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || 6379}`;
  let redis: Redis;
  try {
    redis = await redisPing(url);
    step(`Redis ${where} is up`);
  } catch (error) {
    if (!start || !LOCAL_HOSTS.has(hostname)) {
      throw new InfraError(`Redis at ${where} does not answer (${String(error)}). Start it, or fix KANSHI_REDIS_URL.`);
    }
    if (!which('redis-server')) {
      throw new InfraError(
        'Redis is not installed on this machine. Install it with `sudo apt-get install -y redis-server`, then run this again.',
      );
    }
    const dir = join(CACHE_DIR, 'redis');
    mkdirSync(dir, { recursive: true });
    step(`Redis ${where} is stopped; starting redis-server`);
    execFileSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(port || 6379), '--save', '', '--appendonly', 'yes',
        '--maxmemory-policy', 'noeviction', '--dir', dir, '--logfile', join(dir, 'redis.log')],
      { stdio: 'inherit' },
    );
    markStarted('redis');
    let connected: Redis | undefined;
    await retryUntil('Redis', 15_000, async () => {
      connected = await redisPing(url);
    });
    redis = connected as unknown as Redis;
    step(`Redis ${where} started`);
  }
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (policy !== 'noeviction') {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      step(
        `Redis maxmemory-policy was "${policy ?? '?'}"; set it to "noeviction" (BullMQ loses jobs otherwise). ` +
          'Put `maxmemory-policy noeviction` in redis.conf to keep it after a restart.',
      );
    }
    // Queued alert jobs sit in Redis after their Kafka offsets are committed: without an
    // append-only file a Redis restart would lose them.
    const [, appendOnly] = (await redis.config('GET', 'appendonly')) as string[];
    if (appendOnly !== 'yes') {
      try {
        await redis.config('SET', 'appendonly', 'yes');
        step('Redis appendonly was "no"; turned it on so queued alert jobs survive a Redis restart (set `appendonly yes` in redis.conf to keep it).');
      } catch (error) {
        // Not fatal: Kanshi runs, but a Redis restart would lose queued jobs.
        step(`warning: could not turn on Redis appendonly (${String(error)}); queued alert jobs would not survive a Redis restart.`);
      }
    }
  } finally {
    redis.disconnect();
  }
}

/** Stops PostgreSQL or Redis only if this project started them; a machine's own services stay up. */
export function stopIfStartedByUs(service: 'postgres' | 'redis', url: string): void {
  if (!existsSync(startedMarker(service))) {
    step(`${service === 'postgres' ? 'PostgreSQL' : 'Redis'} was not started by Kanshi; leaving it running`);
    return;
  }
  if (service === 'postgres') {
    const version = readdirSync('/etc/postgresql').sort().at(-1) as string;
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop'], { stdio: 'inherit' });
  } else {
    const { port } = new URL(url);
    spawnSync('redis-cli', ['-p', String(port || 6379), 'shutdown', 'nosave'], { stdio: 'inherit' });
  }
  rmSync(startedMarker(service), { force: true });
  step(`${service === 'postgres' ? 'PostgreSQL' : 'Redis'} stopped`);
}
