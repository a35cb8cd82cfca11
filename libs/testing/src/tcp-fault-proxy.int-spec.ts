import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '@kanshi/config';
import { TcpFaultProxy } from './tcp-fault-proxy';
import { waitFor } from './wait-for';

const config = loadConfig();
const postgres = new URL(config.values.databaseUrl);
const redis = new URL(config.values.redisUrl);

/** A pg client through the proxy, connected. */
async function pgThrough(proxy: TcpFaultProxy): Promise<Client> {
  const client = new Client({ connectionString: proxy.proxiedUrl(config.values.databaseUrl) });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A raw connection to the proxy: whether it connected, and how it ended (an error code, or `closed`). */
function rawConnection(port: number): { socket: Socket; connected: Promise<boolean>; ended: Promise<string> } {
  const socket = connect({ host: '127.0.0.1', port });
  const ended = new Promise<string>((done) => {
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('close', () => done('closed'));
  });
  const connected = Promise.race([new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))), ended.then(() => false)]);
  return { socket, connected, ended };
}

describe('TcpFaultProxy (real PostgreSQL and Redis)', () => {
  const proxies: TcpFaultProxy[] = [];
  const start = async (url: URL, maxConnections?: number) => {
    const proxy = await TcpFaultProxy.start({ targetHost: url.hostname, targetPort: Number(url.port), ...(maxConnections === undefined ? {} : { maxConnections }) });
    proxies.push(proxy);
    return proxy;
  };

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('forwards to the server, drops every connection at cut(), refuses new ones, and lets them through after restore()', async () => {
    const proxy = await start(postgres);
    const before = await pgThrough(proxy);
    expect((await before.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(proxy.connections).toBe(1);

    proxy.cut();
    expect(proxy.cutMode).toBe('refuse');
    await expect(before.query('SELECT 1')).rejects.toThrow();
    expect(proxy.connections).toBe(0);
    // A new connection fails at once, as against a server that is down.
    await expect(pgThrough(proxy)).rejects.toThrow();
    expect(proxy.connections).toBe(0);

    proxy.restore();
    const after = await pgThrough(proxy);
    expect((await after.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await after.end();
    await before.end().catch(() => undefined);
  });

  it('black-holes new connections: accepted, never answered, reset at restore()', async () => {
    const proxy = await start(postgres);
    proxy.cut('blackhole');
    const client = new Client({ connectionString: proxy.proxiedUrl(config.values.databaseUrl) });
    client.on('error', () => undefined);
    const connecting = client.connect().then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor('the connection to be held', () => Promise.resolve(proxy.connections === 1 ? true : undefined));

    proxy.restore();
    // It had no answer while held; restore() resets it, so it fails rather than hanging.
    expect(await connecting).toBe('failed');
    expect(proxy.connections).toBe(0);
    const after = await pgThrough(proxy);
    await after.end();
  });

  it('a Redis client fails while cut and reconnects by itself after restore()', async () => {
    const proxy = await start(redis);
    const client = new Redis(proxy.proxiedUrl(config.values.redisUrl), { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    try {
      expect(await client.ping()).toBe('PONG');
      proxy.cut();
      await expect(client.ping()).rejects.toThrow();
      proxy.restore();
      expect(await waitFor('Redis through the proxy again', () => client.ping().catch(() => undefined))).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('is bounded: connections over its limit are reset; close() drops them all and stops listening', async () => {
    const proxy = await start(redis, 2);
    const first = rawConnection(proxy.port);
    const second = rawConnection(proxy.port);
    expect([await first.connected, await second.connected]).toEqual([true, true]);
    await waitFor('two forwarded connections', () => Promise.resolve(proxy.connections === 2 ? true : undefined));
    const third = rawConnection(proxy.port);
    expect(await third.ended).toBe('ECONNRESET');
    expect(proxy.connections).toBe(2);

    await proxy.close();
    expect(await first.ended).toBe('ECONNRESET');
    expect(await second.ended).toBe('ECONNRESET');
    expect(proxy.connections).toBe(0);
    expect(await rawConnection(proxy.port).ended).toBe('ECONNREFUSED');
  });
});
