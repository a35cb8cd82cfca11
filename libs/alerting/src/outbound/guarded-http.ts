import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { OutboundGuard } from './outbound-guard';

export interface GuardedPost {
  /** An http: or https: URL; user information in it is sent as Basic authentication. */
  readonly url: URL;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Bounds the whole request: resolving, connecting, sending and the answer's status line. */
  readonly timeoutMs: number;
}

/**
 * Connections kept open between requests to the same receiver (a storm sends many in a row),
 * closed after 4 s idle: under the 5 s most servers keep an idle connection, so a request rarely
 * meets one the server is closing. One pool per guard: every connection in it passed that guard
 * (in `lookup`) when it was opened, and no other guard's requests reuse it.
 */
const AGENTS = new WeakMap<OutboundGuard, { readonly 'http:': HttpAgent; readonly 'https:': HttpsAgent }>();

function agentsOf(guard: OutboundGuard): { readonly 'http:': HttpAgent; readonly 'https:': HttpsAgent } {
  let agents = AGENTS.get(guard);
  if (!agents) {
    agents = {
      'http:': new HttpAgent({ keepAlive: true, timeout: 4000, maxFreeSockets: 16 }),
      'https:': new HttpsAgent({ keepAlive: true, timeout: 4000, maxFreeSockets: 16 }),
    };
    AGENTS.set(guard, agents);
  }
  return agents;
}

/** Largest answer read to the end so that its connection can carry the next request; a larger or unsized one closes it. */
const DRAINED_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs `body` once and resolves with the answer's status code, keeping nothing of the answer's
 * body. Every address connected to passes `guard` first: an address given in the URL before
 * the request starts, each address a name resolves to in the connection's `lookup`. Rejects
 * with the guard's `OutboundRefusedError`, an `AbortError` on timeout, or the socket's error.
 * Redirects are not followed.
 */
export async function guardedPost(post: GuardedPost, guard: OutboundGuard): Promise<number> {
  const { url } = post;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node connects to an address given as such without calling `lookup`: check it here.
  if (isIP(host) !== 0) await guard.addressesFor(host);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: host,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        lookup: guard.lookup,
        agent: url.protocol === 'https:' ? agentsOf(guard)['https:'] : agentsOf(guard)['http:'],
        signal: AbortSignal.timeout(post.timeoutMs),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        // The receiver's answer is never kept, so none of it can be stored or shown: a small one
        // is read and dropped (its connection is then reused), any other closes the connection.
        // Whatever happens to the rest of the answer is of no interest: never an unhandled error.
        response.on('error', () => undefined);
        const length = Number(response.headers['content-length']);
        if (Number.isInteger(length) && length <= DRAINED_ANSWER_BYTES) response.resume();
        else response.destroy();
      },
    );
    req.on('error', reject);
    req.end(post.body);
  });
}
