import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
 * POSTs `body` once and resolves with the answer's status code, reading nothing of the answer's
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
        // A connection of its own, closed after the answer: notifications are grouped and rare
        // enough that a pool would mostly hold idle sockets open.
        agent: false,
        signal: AbortSignal.timeout(post.timeoutMs),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        // The receiver's answer is never read, so none of it can be stored or shown.
        response.destroy();
      },
    );
    req.on('error', reject);
    req.end(post.body);
  });
}
