import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { guardedPost } from './guarded-http';
import { OutboundGuard, systemResolver } from './outbound-guard';
import { OutboundPolicy } from './outbound-policy';

/** A receiver on loopback; `answer` writes each response; counts the connections it accepted. */
async function receiver(answer: (res: import('node:http').ServerResponse) => void): Promise<{ url: URL; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  server.on('connection', (_socket: Socket) => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/hook`),
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('guardedPost (real HTTP on loopback)', () => {
  const guard = new OutboundGuard(new OutboundPolicy(['127.0.0.1/32']), systemResolver);
  const post = (url: URL) => guardedPost({ url, body: '{"n":1}', headers: { 'Content-Type': 'application/json' }, timeoutMs: 2000 }, guard);

  it('sends requests in a row over one kept-open connection when the answers are small', async () => {
    const r = await receiver((res) => res.end('ok'));
    try {
      for (let i = 0; i < 5; i += 1) expect(await post(r.url)).toBe(200);
      expect(r.connections()).toBe(1);
    } finally {
      await r.close();
    }
  });
});
