import type { IncomingMessage, ServerResponse } from 'node:http';

/** Whether an address or host name stays on this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether a request's Host header names this loopback server. A web page on another site
 * can point its own name at 127.0.0.1 (DNS rebinding) and then read and drive a local
 * server as if it were its own origin; its requests still carry its name as Host, so a
 * server bound to loopback answers only loopback names. A server bound to another address
 * was opened to the network on purpose (--host) and answers any name.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  if (hostHeader === undefined) return true; // HTTP/1.0: no Host, so no rebinding either
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d*$/, '');
  return isLoopbackHost(name);
}

/**
 * Wraps a request handler to refuse, with 403, requests for another host than a loopback
 * name (see hostAllowed).
 */
export function loopbackOnly(
  boundHost: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (hostAllowed(req.headers.host, boundHost)) return handler(req, res);
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: `Host ${req.headers.host} is not this local server's name: it answers localhost and 127.0.0.1 only (a page of another site reaching it through DNS rebinding is refused)`,
      }),
    );
  };
}
